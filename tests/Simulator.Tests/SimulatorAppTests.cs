using System.Text.Json;

namespace ControlPlane.Simulator.Tests;

/// <summary>The command line, run in-process: what an operator sees.</summary>
public sealed class SimulatorAppTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sim-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await SimulatorApp.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task The_run_says_where_each_deployment_runs_and_where_a_policy_that_places_its_own_replicas_put_them()
    {
        var fleet = Write("fleet.json", TestFleets.Fleet);
        var trace = Write("trace.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:00.0000000,500,20\n");

        var (code, stdout, stderr) = await Run("--fleet", fleet, "--workload", $"azure:{trace}", "--policy", "project,gpu-only", "--out", Path.Combine(_dir, "out"));

        Assert.True(code == 0, stderr);
        Assert.Contains("(fast 2 wafer-scale + 1 gpu, large 4 gpu)", stdout);
        Assert.Contains("gpu-only places its own replicas: fast 3 gpu, large 4 gpu", stdout);
        Assert.DoesNotContain("project places its own", stdout);
    }

    [Fact]
    public async Task A_deployment_with_max_replicas_reports_what_scaling_on_load_did()
    {
        var fleet = Write("fleet.json", TestFleets.Fleet.Replace("\"replicas\": 3,", "\"replicas\": 1, \"max_replicas\": 3,"));
        var start = new DateTime(2023, 11, 16, 18, 17, 0);
        var burst = Enumerable.Range(0, 900).Select(i => $"{start.AddSeconds(i / 60.0):yyyy-MM-dd HH:mm:ss.fffffff},1500,800");
        var trace = Write("burst.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n" + string.Join("\n", burst) + "\n");
        var outDir = Path.Combine(_dir, "out");

        var (code, stdout, stderr) = await Run("--fleet", fleet, "--workload", $"azure:{trace}", "--policy", "project", "--out", outDir);

        Assert.True(code == 0, stderr);
        Assert.Matches(@"project +900 requests over [0-9.]+ virtual minutes in [0-9.]+s; reconciling added [1-9]\d* replica\(s\) \(scale-out, or replacing lost and drained ones\), retired \d+", stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        var scaling = json.RootElement.GetProperty("results")[0].GetProperty("scaling");
        Assert.True(scaling.GetProperty("replicas_added").GetInt32() > 0, scaling.ToString());
    }

    [Fact]
    public async Task A_run_compares_policies_in_an_aligned_table_and_writes_json_and_charts()
    {
        var fleet = Write("fleet.json", TestFleets.Fleet);
        var trace = Write("trace.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n" + string.Join("\n",
            Enumerable.Range(0, 300).Select(i => $"2023-11-16 18:{17 + i / 60:D2}:{i % 60:D2}.0000000,{500 + i * 7 % 3000},{10 + i % 90}")) + "\nbroken line\n");
        var output = Path.Combine(_dir, "out");

        var (code, stdout, stderr) = await Run("--fleet", fleet, "--workload", $"azure:{trace}", "--workload", "agentic:jobs=4,turns=2-4",
            "--policy", "project,round-robin", "--out", output, "--bucket", "30");

        Assert.True(code == 0, stderr);
        Assert.Contains("trace.csv:302: expected 3 comma-separated fields", stderr);
        var lines = stdout.Split('\n');
        var header = Array.FindIndex(lines, l => l.StartsWith("policy", StringComparison.Ordinal));
        Assert.StartsWith("project", lines[header + 1]);
        Assert.StartsWith("round-robin", lines[header + 2]);
        var end = lines[header].IndexOf("goodput/s", StringComparison.Ordinal) + "goodput/s".Length;
        Assert.All(new[] { lines[header + 1], lines[header + 2] }, row =>
        {
            Assert.True(char.IsDigit(row[end - 1]) && row[end] == ' ', $"goodput right-aligned under its header:\n{lines[header]}\n{row}");
        });
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        var results = json.RootElement.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        Assert.InRange(results[0].GetProperty("arrived").GetInt32(), 300 + (4 * 2), 300 + (4 * 4)); // 300 trace requests, 4 jobs of 2-4 turns
        foreach (var chart in new[] { "interactive-ttft-cdf.svg", "long-horizon-e2e-cdf.svg", "wafer-scale-utilization.svg", "gpu-utilization.svg" })
        {
            var svg = File.ReadAllText(Path.Combine(output, chart));
            Assert.StartsWith("<svg", svg);
            Assert.Contains("<polyline", svg);
            Assert.Contains("round-robin", svg);
        }
    }

    [Fact]
    public async Task Refusals_are_listed_by_reason_and_a_fault_is_reported()
    {
        var fleet = Write("fleet.json", TestFleets.Fleet);

        var (code, stdout, stderr) = await Run("--fleet", fleet, "--workload", "agentic:jobs=3,turns=2-3,within=10", "--policy", "project",
            "--fault", "lose:pool=gpu@0", "--out", Path.Combine(_dir, "out"));

        Assert.True(code == 0, stderr);
        Assert.Contains("refused, by reason:", stdout);
        // Every job's first turn finds the GPU pool's replicas removed (their hardware is lost, as the deployment
        // grain removes them) and none placed again, and the job stops.
        Assert.Contains("no_replicas 3", stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "out", "results.json")));
        Assert.StartsWith("lose:pool=gpu@0 hit 5 replica(s)", json.RootElement.GetProperty("results")[0].GetProperty("faults")[0].GetString());
    }

    [Fact]
    public async Task Bad_arguments_are_refused_with_exit_code_2_and_each_named()
    {
        var fleet = Write("fleet.json", TestFleets.Fleet);

        var (code, _, stderr) = await Run("--fleet", fleet, "--workload", "agentic:turns=5-1", "--workload", "csv:x", "--policy", "project,smart",
            "--time-scale", "0", "--fault", "melt:gpu-000@5");
        var missingFleet = await Run("--fleet", Path.Combine(_dir, "none.json"), "--workload", "agentic");
        var unknownTarget = await Run("--fleet", fleet, "--workload", "agentic", "--fault", "lose:gpu-099@10");
        var rejected = await Run("--fleet", fleet, "--workload", $"azure:{Write("bad.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\nx,1,1\n")}", "--bad-lines", "reject");

        Assert.Equal(2, code);
        Assert.Contains("--workload: agentic workload: turns: need 1 <= min (5) <= max (1)", stderr);
        Assert.Contains("--workload: 'csv' is not a workload kind", stderr);
        Assert.Contains("--policy: 'smart' is not a policy", stderr);
        Assert.Contains("--time-scale: must be more than 0", stderr);
        Assert.Contains("--fault: 'melt' is not a fault kind", stderr);
        Assert.Equal(2, missingFleet.Code);
        Assert.Contains("cannot read the fleet file", missingFleet.Err);
        Assert.Equal(2, unknownTarget.Code);
        Assert.Contains("no accelerator or pool 'gpu-099'", unknownTarget.Err);
        Assert.Equal(2, rejected.Code);
        Assert.Contains("bad.csv:2: TIMESTAMP 'x'", rejected.Err);
    }
}

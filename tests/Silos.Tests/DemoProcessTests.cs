using System.Diagnostics;
using System.Text.RegularExpressions;
using ControlPlane.Cli;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Tests.Infrastructure;

namespace ControlPlane.Silos.Tests;

/// <summary>The README's main command, as a real process: the demo fleet registers, cpctl sees it, SIGTERM stops it cleanly.</summary>
public sealed partial class DemoProcessTests
{
    [Fact]
    public async Task The_demo_registers_its_fleet_prints_how_to_reach_it_and_stops_gracefully_on_sigterm()
    {
        var ports = FreePorts.Take(2);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            typeof(ControlPlaneHost).Assembly.Location, "--demo", "--wafers", "2", "--gpu-nodes", "3",
            "--ControlPlane:Endpoints:GrpcPort=0", "--ControlPlane:Endpoints:HttpPort=0",
            $"--ControlPlane:Cluster:SiloPort={ports[0]}", $"--ControlPlane:Cluster:GatewayPort={ports[1]}",
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var demo = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var banner = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        demo.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
                if (e.Data?.Contains("Press Ctrl+C to stop") == true)
                {
                    banner.TrySetResult(output.ToString());
                }
            }
        };
        demo.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();

        try
        {
            var text = await banner.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var endpoint = EndpointLine().Match(text).Groups[1].Value;
            var token = TokenLine().Match(text).Groups[1].Value;
            Assert.StartsWith("http://127.0.0.1:", endpoint);
            Assert.StartsWith("cp1.operator.", token);
            Assert.Matches(@"metrics\s+http://127\.0\.0\.1:\d+/metrics", text);

            string? Env(string name) => name switch { "CPCTL_ENDPOINT" => endpoint, "CPCTL_TOKEN" => token, _ => null };
            var listed = await Eventually.Until(async () =>
            {
                var stdout = new StringWriter();
                await CpctlApp.RunAsync(["accelerators", "list", "--state", "active"], stdout, new StringWriter(), Env, CancellationToken.None);
                return stdout.ToString();
            }, s => s.Split('\n').Count(l => l.StartsWith("demo-")) == 5, TimeSpan.FromSeconds(30), "the demo's 5 accelerators to be active");
            Assert.Contains("demo-wafer-000-cs3", listed);
            Assert.Contains("demo-gpu-002", listed);

            // The mixed load runs through the real placement API: interactive turns land on wafers and
            // long-horizon jobs on GPUs (the large model loads 400 GB first, ~16 s at the simulated 25 GB/s).
            var metricsUrl = new Uri(MetricsLine().Match(text).Groups[1].Value);
            using var http = new HttpClient();
            var metrics = await Eventually.Until(() => http.GetStringAsync(metricsUrl),
                m => Placed(m, "interactive", "wafer-scale") > 0 && Placed(m, "long_horizon", "gpu") > 0, TimeSpan.FromSeconds(90),
                "interactive placements on wafers and long-horizon placements on GPUs");
            Assert.Matches(@"controlplane_completed_tokens_total\{hardware_class=""wafer-scale""\} [1-9]", metrics);
            var deployments = new StringWriter();
            await CpctlApp.RunAsync(["deployments", "list"], deployments, new StringWriter(), Env, CancellationToken.None);
            Assert.Contains("fast-coder-32b", deployments.ToString());
            Assert.Contains("large-coder-400b", deployments.ToString());

            using (var term = Process.Start("kill", ["-TERM", demo.Id.ToString()]))
            {
                await term.WaitForExitAsync();
            }

            // Open agent streams must not hold shutdown up until the host's 30 s shutdown timeout.
            var stopping = Stopwatch.StartNew();
            await demo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, demo.ExitCode);
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(20), $"shutdown took {stopping.Elapsed.TotalSeconds:F1}s");
            lock (output)
            {
                Assert.Contains("stream closed (shutdown)", output.ToString());
                Assert.DoesNotContain("non-graceful", output.ToString());
            }
        }
        catch (Exception ex) when (ex is TimeoutException or Xunit.Sdk.XunitException)
        {
            lock (output)
            {
                throw new Xunit.Sdk.XunitException($"{ex.Message}\ndemo output:\n{output}");
            }
        }
        finally
        {
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
            }
        }
    }

    private static double Placed(string metrics, string latencyClass, string hardwareClass) =>
        Regex.Matches(metrics, $@"controlplane_placements_total\{{outcome=""placed"",reason=""none"",latency_class=""{latencyClass}"",hardware_class=""{hardwareClass}""\}} (\S+)")
            .Sum(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"metrics\s+(http://\S+/metrics)")]
    private static partial Regex MetricsLine();

    [GeneratedRegex(@"export CPCTL_ENDPOINT=(\S+)")]
    private static partial Regex EndpointLine();

    [GeneratedRegex(@"export CPCTL_TOKEN=(\S+)")]
    private static partial Regex TokenLine();
}

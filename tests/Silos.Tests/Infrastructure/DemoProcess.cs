using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using ControlPlane.Silos.Hosting;

namespace ControlPlane.Silos.Tests.Infrastructure;

/// <summary>The README's main command as a real process (the demo host, src/Demo) on free ports, with what its banner says.</summary>
public sealed partial class DemoProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly string? _store;

    private DemoProcess(Process process, StringBuilder output, string endpoint, string token, Uri metrics, string store)
    {
        _process = process;
        _store = store;
        _output = output;
        Endpoint = endpoint;
        Token = token;
        MetricsUrl = metrics;
    }

    /// <summary>The gRPC endpoint the banner tells cpctl to use.</summary>
    public string Endpoint { get; }

    /// <summary>The operator token the banner prints.</summary>
    public string Token { get; }

    /// <summary>The /metrics address the banner prints.</summary>
    public Uri MetricsUrl { get; }

    /// <summary>The process's id.</summary>
    public int Id => _process.Id;

    /// <summary>Everything the process printed so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The environment cpctl reads, pointing at this demo.</summary>
    public string? Environment(string name) => name switch { "CPCTL_ENDPOINT" => Endpoint, "CPCTL_TOKEN" => Token, _ => null };

    /// <summary>Starts the demo with <paramref name="wafers"/> and <paramref name="gpuNodes"/> and waits for its banner.</summary>
    public static async Task<DemoProcess> StartAsync(int wafers, int gpuNodes)
    {
        var store = Path.Combine(Path.GetTempPath(), $"cp-demo-{Guid.NewGuid():N}");
        var ports = FreePorts.Take(2);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            typeof(ControlPlane.Demo.DemoFleetService).Assembly.Location, "--wafers", wafers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gpu-nodes", gpuNodes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--ControlPlane:Endpoints:GrpcPort=0", "--ControlPlane:Endpoints:HttpPort=0",
            $"--ControlPlane:Cluster:SiloPort={ports[0]}", $"--ControlPlane:Cluster:GatewayPort={ports[1]}",
            $"--ControlPlane:Storage:Sqlite:Path={Path.Combine(store, "state.db")}", // a store of its own
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var output = new StringBuilder();
        var banner = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
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
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        string text;
        try
        {
            text = await banner.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            lock (output)
            {
                throw new TimeoutException($"the demo printed no banner within 60 s; output:\n{output}");
            }
        }

        return new DemoProcess(process, output, EndpointLine().Match(text).Groups[1].Value, TokenLine().Match(text).Groups[1].Value,
            new Uri(MetricsLine().Match(text).Groups[1].Value), store);
    }

    /// <summary>Waits until the demo printed a line matching <paramref name="pattern"/>.</summary>
    public Task WaitForOutputAsync(string pattern, TimeSpan timeout) =>
        Eventually.Until(() => Regex.IsMatch(Output, pattern), timeout, $"the demo to print /{pattern}/");

    /// <summary>Sends SIGTERM and waits for the process to exit; its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        if (_store is not null && Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }

    [GeneratedRegex(@"metrics\s+(http://\S+/metrics)")]
    private static partial Regex MetricsLine();

    [GeneratedRegex(@"export CPCTL_ENDPOINT=(\S+)")]
    private static partial Regex EndpointLine();

    [GeneratedRegex(@"export CPCTL_TOKEN=(\S+)")]
    private static partial Regex TokenLine();
}

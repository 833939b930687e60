using System.Diagnostics;
using System.Text.RegularExpressions;
using ControlPlane.Cli;
using ControlPlane.Silos.Tests.Infrastructure;

namespace ControlPlane.Silos.Tests;

/// <summary>The README's main command, as a real process: the demo fleet registers, cpctl sees it, SIGTERM stops it cleanly.</summary>
public sealed class DemoProcessTests
{
    [Fact]
    public async Task The_demo_registers_its_fleet_prints_how_to_reach_it_and_stops_gracefully_on_sigterm()
    {
        using var demo = await DemoProcess.StartAsync(wafers: 2, gpuNodes: 3);
        try
        {
            Assert.StartsWith("http://127.0.0.1:", demo.Endpoint);
            Assert.StartsWith("cp1.operator.", demo.Token);
            Assert.StartsWith("http://127.0.0.1:", demo.MetricsUrl.ToString());

            var listed = await Eventually.Until(async () =>
            {
                var stdout = new StringWriter();
                await CpctlApp.RunAsync(["accelerators", "list", "--state", "active"], stdout, new StringWriter(), demo.Environment, CancellationToken.None);
                return stdout.ToString();
            }, s => s.Split('\n').Count(l => l.StartsWith("demo-")) == 5, TimeSpan.FromSeconds(30), "the demo's 5 accelerators to be active");
            Assert.Contains("demo-wafer-000-cs3", listed);
            Assert.Contains("demo-gpu-002", listed);

            // The mixed load runs through the real placement API: interactive turns land on wafers and
            // long-horizon jobs on GPUs (the large model loads 400 GB first, ~16 s at the simulated 25 GB/s).
            using var http = new HttpClient();
            var metrics = await Eventually.Until(() => http.GetStringAsync(demo.MetricsUrl),
                m => Placed(m, "interactive", "wafer-scale") > 0 && Placed(m, "long_horizon", "gpu") > 0
                    && Regex.IsMatch(m, @"controlplane_completed_tokens_total\{hardware_class=""wafer-scale""\} [1-9]"), TimeSpan.FromSeconds(90),
                "interactive placements on wafers, long-horizon placements on GPUs, and completed tokens on wafers");

            // The load started once the replicas were loaded: nothing was refused for want of one.
            Assert.Equal(0, Rejected(metrics, "no_ready_replica") + Rejected(metrics, "no_replicas"));
            Assert.Matches(@"deployments ready after [\d.]+s \(fast-coder \d+/\d+, large-coder \d+/\d+ replicas\); starting the load", demo.Output);
            var deployments = new StringWriter();
            await CpctlApp.RunAsync(["deployments", "list"], deployments, new StringWriter(), demo.Environment, CancellationToken.None);
            Assert.Contains("fast-coder-32b", deployments.ToString());
            Assert.Contains("large-coder-400b", deployments.ToString());

            // Open agent streams must not hold shutdown up until the host's 30 s shutdown timeout.
            var stopping = Stopwatch.StartNew();
            Assert.Equal(0, await demo.TerminateAsync(TimeSpan.FromSeconds(60)));
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(20), $"shutdown took {stopping.Elapsed.TotalSeconds:F1}s");
            Assert.Contains("stream closed (shutdown)", demo.Output);
            Assert.DoesNotContain("non-graceful", demo.Output);
        }
        catch (Exception ex) when (ex is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}\ndemo output:\n{demo.Output}");
        }
    }

    private static double Placed(string metrics, string latencyClass, string hardwareClass) =>
        Regex.Matches(metrics, $@"controlplane_placements_total\{{outcome=""placed"",reason=""none"",latency_class=""{latencyClass}"",hardware_class=""{hardwareClass}""\}} (\S+)")
            .Sum(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    private static double Rejected(string metrics, string reason) =>
        Regex.Matches(metrics, $@"controlplane_placements_total\{{outcome=""rejected"",reason=""{reason}""[^}}]*\}} (\S+)")
            .Sum(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
}

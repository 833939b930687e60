using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Tests;

public sealed class WorkloadTests : IDisposable
{
    private readonly string _trace = Path.Combine(Path.GetTempPath(), $"trace-{Guid.NewGuid():N}.csv");

    public WorkloadTests()
    {
        // 2,000 requests in bursts of 20 within a second, one burst every 10 s.
        var lines = Enumerable.Range(0, 2_000).Select(i =>
            $"2023-11-16 18:{(i / 20 * 10) / 60:D2}:{(i / 20 * 10) % 60:D2}.{i % 20 * 5:D2}00000,{100 + i},{10 + (i % 7)}");
        File.WriteAllText(_trace, "TIMESTAMP,ContextTokens,GeneratedTokens\n" + string.Join("\n", lines));
    }

    public void Dispose() => File.Delete(_trace);

    private static double GapVariation(IReadOnlyList<SimRequest> arrivals)
    {
        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => b.ArrivalSeconds - a.ArrivalSeconds).ToArray();
        var mean = gaps.Average();
        return Math.Sqrt(gaps.Average(g => (g - mean) * (g - mean))) / mean;
    }

    [Fact]
    public void Load_scaling_keeps_the_traces_shape_and_poisson_arrivals_remove_its_bursts_copies_included()
    {
        var fleet = TestFleets.Build();
        var spec = new[] { new WorkloadSpec(WorkloadKind.Azure, _trace, new AgenticJobOptions()) };

        var bursty = Workload.Build(spec, fleet, new Scaling(1, 5), seed: 1, BadLinePolicy.Reject);
        var steady = Workload.Build(spec, fleet, new Scaling(1, 5, Poisson: true), seed: 1, BadLinePolicy.Reject);

        Assert.InRange(bursty.Arrivals.Count, 9_500, 10_500);
        Assert.Equal(bursty.Arrivals.Count, steady.Arrivals.Count);
        Assert.Equal(bursty.Arrivals.Sum(a => (long)a.OutputTokens), steady.Arrivals.Sum(a => (long)a.OutputTokens)); // the same requests
        Assert.True(GapVariation(bursty.Arrivals) > 3, $"bursty gaps vary by {GapVariation(bursty.Arrivals):F2}");
        Assert.InRange(GapVariation(steady.Arrivals), 0.95, 1.05); // exponential gaps: coefficient of variation 1
        Assert.InRange(steady.Arrivals[^1].ArrivalSeconds / bursty.Arrivals[^1].ArrivalSeconds, 0.95, 1.05); // over the same span
    }
}

using System.Collections.Concurrent;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Replicas;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;

namespace ControlPlane.HardwareAgents.Tests;

/// <summary>A simulated node following a drain: it reports the streams left, and a stop ends them.</summary>
public class SimulatedReplicaHostTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new();
    private readonly ConcurrentQueue<AgentMessage> _sent = new();
    private readonly SimulatedReplicaHost _host;

    public SimulatedReplicaHostTests()
    {
        _host = new SimulatedReplicaHost("node-1", ["acc-1", "acc-2"], loadBytesPerSecond: 1e12, _time);
        _host.AttachReporter(message =>
        {
            _sent.Enqueue(message);
            return Task.CompletedTask;
        });
    }

    private async Task LoadAsync(string replicaId, string acceleratorId)
    {
        var load = new LoadReplica
        {
            ReplicaId = replicaId, Deployment = "dep", Model = "m", WeightsBytes = 1_000_000_000_000, Slots = 4,
            DecodeTokensPerSecond = 100, FirstTokenOverhead = Duration.FromTimeSpan(TimeSpan.Zero), AcceleratorIds = { acceleratorId },
        };
        Assert.True(_host.Load("load-1", load).Success);
        _time.Advance(TimeSpan.FromSeconds(1)); // 1 TB at 1 TB/s
        await Eventually.Until(() => Task.FromResult(_host.Statuses()), s => s.All(r => r.State == ReplicaStatus.Types.State.Ready), Wait, "the replica to load");
    }

    private int[] ProgressOf(string acceleratorId) =>
        _sent.Where(m => m.DrainProgress?.AcceleratorId == acceleratorId).Select(m => m.DrainProgress.RemainingStreams).ToArray();

    [Fact]
    public async Task A_drain_reports_the_streams_left_as_each_one_ends()
    {
        await LoadAsync("r-1", "acc-1");
        var short1 = _host.ServeAsync("r-1", 0, 100, CancellationToken.None); // 1 s at 100 tok/s
        var long1 = _host.ServeAsync("r-1", 0, 300, CancellationToken.None); // slower with two streams; ends later

        var answer = _host.Drain("drain-1", new DrainAccelerators { AcceleratorIds = { "acc-1" }, Reason = "firmware" });
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(ServeOutcome.Completed, await short1.WaitAsync(Wait));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(ServeOutcome.Completed, await long1.WaitAsync(Wait));
        var progress = await Eventually.Until(() => Task.FromResult(ProgressOf("acc-1")), p => p.Length >= 3, Wait, "three progress reports");

        Assert.True(answer.Success);
        Assert.Contains("2 stream(s) running", answer.Message);
        Assert.Equal([2, 1, 0], progress);
        Assert.Empty(ProgressOf("acc-2")); // the other accelerator is not draining
    }

    [Fact]
    public async Task Stop_work_ends_the_running_streams_as_cut_over_and_reports_none_left()
    {
        await LoadAsync("r-1", "acc-1");
        var streams = Enumerable.Range(0, 3).Select(_ => _host.ServeAsync("r-1", 0, 1_000_000, CancellationToken.None)).ToArray();
        _host.Drain("drain-1", new DrainAccelerators { AcceleratorIds = { "acc-1" } });

        var stopped = _host.Stop("stop-1", new StopWork { AcceleratorIds = { "acc-1" }, Reason = "deadline" });
        var outcomes = await Task.WhenAll(streams).WaitAsync(Wait);

        Assert.True(stopped.Success);
        Assert.Equal("3 stream(s) ended", stopped.Message);
        Assert.All(outcomes, o => Assert.Equal(ServeOutcome.CutOver, o));
        Assert.Equal(0, _host.LoadOn("acc-1").ActiveStreams);
        await Eventually.Until(() => Task.FromResult(ProgressOf("acc-1")), p => p.Length > 0 && p[^1] == 0, Wait, "a report of no streams left");
    }

    [Fact]
    public async Task A_caller_cancelling_its_stream_is_not_a_cut_over_and_other_nodes_accelerators_are_refused()
    {
        await LoadAsync("r-1", "acc-1");
        using var cancel = new CancellationTokenSource();
        var stream = _host.ServeAsync("r-1", 0, 1_000_000, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream);
        Assert.False(_host.Drain("d", new DrainAccelerators { AcceleratorIds = { "acc-9" } }).Success);
        Assert.False(_host.Stop("s", new StopWork { AcceleratorIds = { "acc-9" } }).Success);
        Assert.Equal(ServeOutcome.Refused, await _host.ServeAsync("no-such-replica", 0, 10, CancellationToken.None));
    }
}

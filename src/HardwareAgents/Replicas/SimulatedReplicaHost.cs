using System.Collections.Concurrent;
using ControlPlane.Contracts.V1;

namespace ControlPlane.HardwareAgents.Replicas;

/// <summary>
/// Runs replicas in simulation: loading takes the weights' size over a load bandwidth, and served work
/// takes the time the performance model predicts (sent with LoadReplica), so active streams and
/// tokens/s in telemetry come from the work the control plane placed here.
/// </summary>
public sealed class SimulatedReplicaHost(string nodeId, IReadOnlyCollection<string> acceleratorIds, double loadBytesPerSecond, TimeProvider time)
    : IReplicaHost
{
    private readonly ConcurrentDictionary<string, SimulatedReplica> _replicas = new(StringComparer.Ordinal);
    private readonly HashSet<string> _accelerators = new(acceleratorIds, StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _draining = new(StringComparer.Ordinal);
    private Func<AgentMessage, Task>? _reporter;

    /// <summary>The node the replicas run on.</summary>
    public string NodeId => nodeId;

    /// <inheritdoc />
    public void AttachReporter(Func<AgentMessage, Task>? reporter) => Volatile.Write(ref _reporter, reporter);

    /// <inheritdoc />
    public CommandResult Load(string commandId, LoadReplica load)
    {
        var foreign = load.AcceleratorIds.FirstOrDefault(id => !_accelerators.Contains(id));
        if (load.AcceleratorIds.Count == 0 || foreign is not null || load.DecodeTokensPerSecond <= 0 || load.Slots <= 0)
        {
            return Result(commandId, false, foreign is not null
                ? $"accelerator '{foreign}' is not on node '{nodeId}'"
                : "load_replica needs accelerator_ids, slots > 0 and decode_tokens_per_second > 0");
        }

        if (_replicas.TryGetValue(load.ReplicaId, out var known))
        {
            _ = ReportAsync(known); // the control plane asks again after a reconnect: say where it stands
            return Result(commandId, true, $"replica {load.ReplicaId} already {known.State}");
        }

        var replica = new SimulatedReplica(load, $"sim://{nodeId}/{load.ReplicaId}");
        _replicas[load.ReplicaId] = replica;
        _ = LoadAsync(replica);
        return Result(commandId, true, $"loading {load.WeightsBytes / 1e9:F1} GB");
    }

    /// <inheritdoc />
    public CommandResult Unload(string commandId, UnloadReplica unload)
    {
        if (!_replicas.TryRemove(unload.ReplicaId, out var replica))
        {
            return Result(commandId, true, $"replica {unload.ReplicaId} is not loaded here");
        }

        replica.State = ReplicaStatus.Types.State.Unloaded;
        var cut = replica.CutStreams(); // its memory is gone: what still ran on it ends
        _ = ReportAsync(replica);
        return Result(commandId, true, cut > 0 ? $"unloaded; {cut} stream(s) ended" : "unloaded");
    }

    /// <inheritdoc />
    public CommandResult Drain(string commandId, DrainAccelerators drain)
    {
        if (Foreign(drain.AcceleratorIds) is { } foreign)
        {
            return Result(commandId, false, $"accelerator '{foreign}' is not on node '{nodeId}'");
        }

        foreach (var id in drain.AcceleratorIds)
        {
            _draining[id] = 0;
            _ = ReportProgressAsync(id);
        }

        return Result(commandId, true, $"draining; {drain.AcceleratorIds.Sum(id => LoadOn(id).ActiveStreams)} stream(s) running");
    }

    /// <inheritdoc />
    public CommandResult Stop(string commandId, StopWork stop)
    {
        if (Foreign(stop.AcceleratorIds) is { } foreign)
        {
            return Result(commandId, false, $"accelerator '{foreign}' is not on node '{nodeId}'");
        }

        var cut = 0;
        foreach (var replica in _replicas.Values.Where(r => stop.AcceleratorIds.Contains(r.Load.AcceleratorIds[0])))
        {
            cut += replica.CutStreams();
        }

        foreach (var id in stop.AcceleratorIds)
        {
            _ = ReportProgressAsync(id);
        }

        return Result(commandId, true, $"{cut} stream(s) ended");
    }

    /// <inheritdoc />
    public CommandResult Resume(string commandId, ResumeAccelerators resume)
    {
        foreach (var id in resume.AcceleratorIds)
        {
            _draining.TryRemove(id, out _);
        }

        return Result(commandId, true, "resumed");
    }

    /// <inheritdoc />
    public IReadOnlyList<ReplicaStatus> Statuses() => _replicas.Values.SelectMany(StatusesOf).ToArray();

    /// <summary>Active streams and decode tokens/s of the replicas whose primary is <paramref name="acceleratorId"/>.</summary>
    public (int ActiveStreams, double TokensPerSecond, int Slots) LoadOn(string acceleratorId)
    {
        var streams = 0;
        var tokens = 0.0;
        var slots = 0;
        foreach (var replica in _replicas.Values)
        {
            if (replica.Load.AcceleratorIds[0] == acceleratorId)
            {
                var active = replica.ActiveStreams;
                streams += active;
                tokens += active * replica.TokensPerSecondPerStream(active);
                slots += replica.Load.Slots;
            }
        }

        return (streams, tokens, slots);
    }

    /// <summary>Per-replica load of the replicas whose primary is <paramref name="acceleratorId"/>, for its telemetry.</summary>
    public IEnumerable<ReplicaUsage> UsageOn(string acceleratorId)
    {
        foreach (var replica in _replicas.Values)
        {
            if (replica.Load.AcceleratorIds[0] == acceleratorId && replica.State == ReplicaStatus.Types.State.Ready)
            {
                var active = replica.ActiveStreams;
                yield return new ReplicaUsage
                {
                    ReplicaId = replica.Load.ReplicaId,
                    ActiveStreams = active,
                    QueueDepth = 0, // a simulated replica refuses work beyond its slots rather than queueing it
                    KvUtilization = (double)active / replica.Load.Slots,
                    TokensPerSecond = active * replica.TokensPerSecondPerStream(active),
                };
            }
        }
    }

    /// <summary>
    /// Serves one request on a ready replica here: holds a stream for the prefill and decode time the
    /// performance model predicts at the replica's current concurrency. Refused when the replica is not
    /// ready here or every slot is busy; cut when a drain's deadline stops the work.
    /// </summary>
    public async Task<ServeOutcome> ServeAsync(string replicaId, int promptTokens, int outputTokens, CancellationToken cancellationToken)
    {
        if (!_replicas.TryGetValue(replicaId, out var replica) || replica.State != ReplicaStatus.Types.State.Ready
            || replica.TryStartStream(cancellationToken) is not { } stream)
        {
            return ServeOutcome.Refused;
        }

        try
        {
            var streams = replica.ActiveStreams;
            var seconds = replica.Load.FirstTokenOverhead.ToTimeSpan().TotalSeconds
                + (replica.Load.PrefillTokensPerSecond > 0 ? promptTokens / replica.Load.PrefillTokensPerSecond : 0)
                + outputTokens / replica.TokensPerSecondPerStream(streams);
            await Task.Delay(TimeSpan.FromSeconds(seconds), time, stream.Token).ConfigureAwait(false);
            return ServeOutcome.Completed;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ServeOutcome.CutOver;
        }
        finally
        {
            replica.EndStream(stream);
            if (_draining.ContainsKey(replica.Load.AcceleratorIds[0]))
            {
                _ = ReportProgressAsync(replica.Load.AcceleratorIds[0]);
            }
        }
    }

    private async Task LoadAsync(SimulatedReplica replica)
    {
        await ReportAsync(replica).ConfigureAwait(false);
        var seconds = replica.Load.WeightsBytes / Math.Max(1, loadBytesPerSecond);
        await Task.Delay(TimeSpan.FromSeconds(seconds), time).ConfigureAwait(false);
        if (_replicas.TryGetValue(replica.Load.ReplicaId, out var current) && ReferenceEquals(current, replica))
        {
            replica.State = ReplicaStatus.Types.State.Ready;
            await ReportAsync(replica).ConfigureAwait(false);
        }
    }

    private async Task ReportAsync(SimulatedReplica replica)
    {
        foreach (var status in StatusesOf(replica))
        {
            if (!await SendAsync(new AgentMessage { ReplicaStatus = status }).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private Task<bool> ReportProgressAsync(string acceleratorId) =>
        SendAsync(new AgentMessage { DrainProgress = new DrainProgress { AcceleratorId = acceleratorId, RemainingStreams = LoadOn(acceleratorId).ActiveStreams } });

    private async Task<bool> SendAsync(AgentMessage message)
    {
        if (Volatile.Read(ref _reporter) is not { } report)
        {
            return false; // not connected: the next connection reports every replica's state
        }

        try
        {
            await report(message).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or InvalidOperationException or IOException or OperationCanceledException)
        {
            return false; // the stream is going away; the next connection reports again
        }
    }

    private string? Foreign(IEnumerable<string> acceleratorIds) => acceleratorIds.FirstOrDefault(id => !_accelerators.Contains(id));

    private static IEnumerable<ReplicaStatus> StatusesOf(SimulatedReplica replica) => replica.Load.AcceleratorIds.Select(id => new ReplicaStatus
    {
        ReplicaId = replica.Load.ReplicaId,
        Deployment = replica.Load.Deployment,
        AcceleratorId = id,
        State = replica.State,
        Endpoint = replica.State == ReplicaStatus.Types.State.Ready ? replica.Endpoint : "",
        ActiveStreams = replica.ActiveStreams,
        KvUtilization = (double)replica.ActiveStreams / replica.Load.Slots,
        TokensPerSecond = replica.ActiveStreams * replica.TokensPerSecondPerStream(replica.ActiveStreams),
    });

    private static CommandResult Result(string commandId, bool success, string message) => new() { CommandId = commandId, Success = success, Message = message };

    private sealed class SimulatedReplica(LoadReplica load, string endpoint)
    {
        private readonly ConcurrentDictionary<CancellationTokenSource, byte> _streams = new();
        private int _active;

        public LoadReplica Load { get; } = load;

        public string Endpoint { get; } = endpoint;

        public ReplicaStatus.Types.State State { get; set; } = ReplicaStatus.Types.State.Loading;

        public int ActiveStreams => Volatile.Read(ref _active);

        public double TokensPerSecondPerStream(int streams) => Load.DecodeTokensPerSecond / (1 + Load.BatchSlowdown * Math.Max(0, streams - 1));

        // A stream's token is cancelled by the caller or by StopWork.
        public CancellationTokenSource? TryStartStream(CancellationToken cancellationToken)
        {
            while (true)
            {
                var active = Volatile.Read(ref _active);
                if (active >= Load.Slots)
                {
                    return null;
                }

                if (Interlocked.CompareExchange(ref _active, active + 1, active) == active)
                {
                    var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    _streams[stream] = 0;
                    return stream;
                }
            }
        }

        public void EndStream(CancellationTokenSource stream)
        {
            if (_streams.TryRemove(stream, out _))
            {
                Interlocked.Decrement(ref _active);
            }

            stream.Dispose();
        }

        // Ends every running stream now; each leaves the count as it ends.
        public int CutStreams()
        {
            var cut = 0;
            foreach (var stream in _streams.Keys)
            {
                if (_streams.TryRemove(stream, out _))
                {
                    Interlocked.Decrement(ref _active);
                    cut++;
                    try
                    {
                        stream.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // It ended on its own meanwhile.
                    }
                }
            }

            return cut;
        }
    }
}

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
    private Func<ReplicaStatus, Task>? _reporter;

    /// <summary>The node the replicas run on.</summary>
    public string NodeId => nodeId;

    /// <inheritdoc />
    public void AttachReporter(Func<ReplicaStatus, Task>? reporter) => Volatile.Write(ref _reporter, reporter);

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
        _ = ReportAsync(replica);
        return Result(commandId, true, "unloaded");
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
    /// performance model predicts at the replica's current concurrency. False when the replica is not
    /// ready here or every slot is busy.
    /// </summary>
    public async Task<bool> ServeAsync(string replicaId, int promptTokens, int outputTokens, CancellationToken cancellationToken)
    {
        if (!_replicas.TryGetValue(replicaId, out var replica) || replica.State != ReplicaStatus.Types.State.Ready || !replica.TryStartStream())
        {
            return false;
        }

        try
        {
            var streams = replica.ActiveStreams;
            var seconds = replica.Load.FirstTokenOverhead.ToTimeSpan().TotalSeconds
                + (replica.Load.PrefillTokensPerSecond > 0 ? promptTokens / replica.Load.PrefillTokensPerSecond : 0)
                + outputTokens / replica.TokensPerSecondPerStream(streams);
            await Task.Delay(TimeSpan.FromSeconds(seconds), time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            replica.EndStream();
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
        if (Volatile.Read(ref _reporter) is not { } report)
        {
            return; // not connected: the next connection reports every replica's state
        }

        foreach (var status in StatusesOf(replica))
        {
            try
            {
                await report(status).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Grpc.Core.RpcException or InvalidOperationException or IOException or OperationCanceledException)
            {
                return; // the stream is going away; the next connection reports again
            }
        }
    }

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
        private int _active;

        public LoadReplica Load { get; } = load;

        public string Endpoint { get; } = endpoint;

        public ReplicaStatus.Types.State State { get; set; } = ReplicaStatus.Types.State.Loading;

        public int ActiveStreams => Volatile.Read(ref _active);

        public double TokensPerSecondPerStream(int streams) => Load.DecodeTokensPerSecond / (1 + Load.BatchSlowdown * Math.Max(0, streams - 1));

        public bool TryStartStream()
        {
            while (true)
            {
                var active = Volatile.Read(ref _active);
                if (active >= Load.Slots)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref _active, active + 1, active) == active)
                {
                    return true;
                }
            }
        }

        public void EndStream() => Interlocked.Decrement(ref _active);
    }
}

using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Engine;

/// <summary>A request running on a replica, and the times the model gave it at admission (identity, not value, equality).</summary>
internal sealed class Running(SimRequest request, SimReplica replica, double queuedAt, double startedAt, double firstTokenSeconds, double decodeSeconds, int cachedTokens)
{
    /// <summary>The request.</summary>
    public SimRequest Request { get; } = request;

    /// <summary>Where it runs.</summary>
    public SimReplica Replica { get; } = replica;

    /// <summary>When it arrived at the queue (its arrival when it never waited).</summary>
    public double QueuedAt { get; } = queuedAt;

    /// <summary>When it got its slot.</summary>
    public double StartedAt { get; } = startedAt;

    /// <summary>Prefill and first token, from admission.</summary>
    public double FirstTokenSeconds { get; } = firstTokenSeconds;

    /// <summary>The rest of the decode.</summary>
    public double DecodeSeconds { get; } = decodeSeconds;

    /// <summary>Prompt tokens whose KV the replica still held.</summary>
    public int CachedTokens { get; } = cachedTokens;

    /// <summary>Its hardware failed under it.</summary>
    public bool Lost { get; set; }
}

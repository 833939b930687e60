using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;

namespace ControlPlane.Grains.Sessions;

/// <summary>
/// The durable part of a session grain: who it belongs to, what it talks to, its usage and history.
/// Placements in flight are not here: their slots are leases at the accelerators, which outlive a lost
/// session activation by at most one lease.
/// </summary>
[GenerateSerializer, Alias("cp.SessionRecord")]
public sealed class SessionRecord
{
    /// <summary>The tenant the session belongs to (bound on first use).</summary>
    [Id(0)] public string TenantId { get; set; } = "";

    /// <summary>The tenant's plan.</summary>
    [Id(1)] public string Plan { get; set; } = "";

    /// <summary>The deployment the session talks to now (a model switch changes it).</summary>
    [Id(2)] public string Deployment { get; set; } = "";

    /// <summary>The replica holding the session's KV/prefix cache.</summary>
    [Id(3)] public string StickyReplicaId { get; set; } = "";

    /// <summary>The most recent placements, oldest first (bounded).</summary>
    [Id(5)] public List<PlacementHistoryEntry> History { get; set; } = [];

    /// <summary>Tokens used on wafer-scale pools.</summary>
    [Id(6)] public long WaferTokens { get; set; }

    /// <summary>Tokens used on GPU pools.</summary>
    [Id(7)] public long GpuTokens { get; set; }

    /// <summary>Placements made in all.</summary>
    [Id(8)] public long Placements { get; set; }

    /// <summary>When the session was first placed.</summary>
    [Id(10)] public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A placement holding a slot.</summary>
[GenerateSerializer, Immutable, Alias("cp.ActivePlacement")]
public sealed record ActivePlacement(
    [property: Id(0)] string ReplicaId,
    [property: Id(1)] string AcceleratorId,
    [property: Id(2)] HardwareClass HardwareClass,
    [property: Id(3)] string Deployment,
    [property: Id(4)] DateTimeOffset PlacedAt,
    [property: Id(5)] DateTimeOffset LeaseExpiresAt);

/// <summary>One placement in a session's history.</summary>
[GenerateSerializer, Immutable, Alias("cp.PlacementHistoryEntry")]
public sealed record PlacementHistoryEntry(
    [property: Id(0)] string PlacementId,
    [property: Id(1)] string Deployment,
    [property: Id(2)] string ReplicaId,
    [property: Id(3)] string AcceleratorId,
    [property: Id(4)] HardwareClass HardwareClass,
    [property: Id(5)] LatencyClass LatencyClass,
    [property: Id(6)] DateTimeOffset PlacedAt,
    [property: Id(7)] string Note);

/// <summary>A session as callers see it.</summary>
[GenerateSerializer, Immutable, Alias("cp.SessionView")]
public sealed record SessionView(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string TenantId,
    [property: Id(2)] string Plan,
    [property: Id(3)] string Deployment,
    [property: Id(4)] string StickyReplicaId,
    [property: Id(5)] int ActivePlacements,
    [property: Id(6)] long WaferTokens,
    [property: Id(7)] long GpuTokens,
    [property: Id(8)] long Placements,
    [property: Id(9)] IReadOnlyList<PlacementHistoryEntry> History);

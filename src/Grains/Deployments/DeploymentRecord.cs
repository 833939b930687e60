namespace ControlPlane.Grains.Deployments;

/// <summary>The durable part of a deployment grain.</summary>
[GenerateSerializer, Alias("cp.DeploymentRecord")]
public sealed class DeploymentRecord
{
    /// <summary>The spec; null when the deployment does not exist (never created, or deleted).</summary>
    [Id(0)] public DeploymentDefinition? Definition { get; set; }

    /// <summary>Its replicas.</summary>
    [Id(1)] public List<ReplicaRecord> Replicas { get; set; } = [];

    /// <summary>Next replica number.</summary>
    [Id(2)] public int NextReplica { get; set; } = 1;

    /// <summary>When it was created.</summary>
    [Id(3)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When its spec or replicas last changed.</summary>
    [Id(4)] public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Bumped on every change, so routers know when to refresh.</summary>
    [Id(5)] public long Version { get; set; }

    /// <summary>Why replicas could not be placed at the last reconcile (empty when all fit).</summary>
    [Id(6)] public List<string> PlacementProblems { get; set; } = [];

    /// <summary>Recent operator request ids and their outcomes, so a retry acts once.</summary>
    [Id(8)] public Idempotency.RequestLedger Requests { get; set; } = new();
}

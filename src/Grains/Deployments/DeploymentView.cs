using ControlPlane.Placement.Replicas;

namespace ControlPlane.Grains.Deployments;

/// <summary>A deployment's spec and replicas at one moment; what show/list and the routers read.</summary>
[GenerateSerializer, Immutable, Alias("cp.DeploymentView")]
public sealed record DeploymentView(
    [property: Id(0)] DeploymentDefinition Definition,
    [property: Id(1)] IReadOnlyList<ReplicaView> Replicas,
    [property: Id(2)] IReadOnlyList<string> PlacementProblems,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] long Version)
{
    /// <summary>Replicas reported loaded.</summary>
    public int ReadyReplicas => Replicas.Count(r => r.State == ReplicaState.Ready);
}

/// <summary>Why a deployment call was refused, or that it was not.</summary>
public enum DeploymentRefusal
{
    /// <summary>Accepted.</summary>
    None = 0,

    /// <summary>Create of a name that exists.</summary>
    AlreadyExists,

    /// <summary>Update, scale, delete or show of a name that does not exist.</summary>
    NotFound,

    /// <summary>A retried request id that came with different parameters.</summary>
    RequestIdReused,
}

/// <summary>The outcome of a deployment call.</summary>
[GenerateSerializer, Immutable, Alias("cp.DeploymentOutcome")]
public sealed record DeploymentOutcome(
    [property: Id(0)] DeploymentRefusal Refusal,
    [property: Id(1)] string Message,
    [property: Id(2)] DeploymentView? View)
{
    /// <summary>Whether it was accepted.</summary>
    public bool Accepted => Refusal == DeploymentRefusal.None;
}

using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;

namespace ControlPlane.Grains.Deployments;

/// <summary>The serialisable form of a <see cref="DeploymentSpec"/> (the placement library knows nothing of Orleans).</summary>
[GenerateSerializer, Immutable, Alias("cp.DeploymentDefinition")]
public sealed record DeploymentDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] string Model,
    [property: Id(2)] long Parameters,
    [property: Id(3)] int Layers,
    [property: Id(4)] ModelPrecision Precision,
    [property: Id(5)] long KvBytesPerToken,
    [property: Id(6)] int ContextWindowTokens,
    [property: Id(7)] IReadOnlyList<HardwareClass> AllowedClasses,
    [property: Id(8)] int MinReplicas,
    [property: Id(9)] int DesiredReplicas,
    [property: Id(10)] TimeSpan SloTimeToFirstToken,
    [property: Id(11)] double SloMinTokensPerSecond,
    [property: Id(12)] TimeSpan SloLongHorizonCompletion,
    [property: Id(13)] IReadOnlyList<string> EntitledPlans,
    [property: Id(14)] LatencyClass DefaultLatencyClass,
    [property: Id(15)] int MaxReplicas = 0)
{
    /// <summary>The spec the placement engine works with.</summary>
    public DeploymentSpec ToSpec() => new(
        Name,
        Model,
        new ModelShape(Parameters, Layers, Precision, KvBytesPerToken),
        ContextWindowTokens,
        AllowedClasses,
        MinReplicas,
        DesiredReplicas,
        new ServiceLevelObjective(SloTimeToFirstToken, SloMinTokensPerSecond, SloLongHorizonCompletion),
        EntitledPlans,
        DefaultLatencyClass,
        MaxReplicas);

    /// <summary>The serialisable form of <paramref name="spec"/>.</summary>
    public static DeploymentDefinition From(DeploymentSpec spec) => new(
        spec.Name,
        spec.Model,
        spec.Shape.Parameters,
        spec.Shape.Layers,
        spec.Shape.Precision,
        spec.Shape.KvBytesPerToken,
        spec.ContextWindowTokens,
        spec.AllowedClasses.ToArray(),
        spec.MinReplicas,
        spec.DesiredReplicas,
        spec.Slo.TimeToFirstToken,
        spec.Slo.MinTokensPerSecond,
        spec.Slo.LongHorizonCompletion,
        spec.EntitledPlans.ToArray(),
        spec.DefaultLatencyClass,
        spec.MaxReplicas);
}

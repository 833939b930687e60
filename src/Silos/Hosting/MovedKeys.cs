using ControlPlane.Grains.Deployments;
using ControlPlane.Grains.Routing;
using SessionOptions = ControlPlane.Grains.Sessions.SessionOptions;
using ControlPlane.Grains.Tenants;
using Microsoft.Extensions.Configuration;

namespace ControlPlane.Silos.Hosting;

/// <summary>
/// Configuration keys that moved to another section: a silo given one refuses to start and names where it
/// went, rather than reporting an unknown key.
/// </summary>
public static class MovedKeys
{
    private static readonly (string From, string To)[] Moves =
    [
        ($"{PlacementOptions.SectionName}:ReconcileInterval", $"{DeploymentOptions.SectionName}:{nameof(DeploymentOptions.ReconcileInterval)}"),
        ($"{PlacementOptions.SectionName}:ReplicaLoadTimeout", $"{DeploymentOptions.SectionName}:{nameof(DeploymentOptions.ReplicaLoadTimeout)}"),
        ($"{PlacementOptions.SectionName}:ScaleOutUtilization", $"{DeploymentOptions.SectionName}:{nameof(DeploymentOptions.ScaleOutUtilization)}"),
        ($"{PlacementOptions.SectionName}:ScaleInUtilization", $"{DeploymentOptions.SectionName}:{nameof(DeploymentOptions.ScaleInUtilization)}"),
        ($"{PlacementOptions.SectionName}:Plans", $"{LimitOptions.SectionName}:{nameof(LimitOptions.Plans)}"),
        ($"{PlacementOptions.SectionName}:BudgetCacheTtl", $"{LimitOptions.SectionName}:{nameof(LimitOptions.BudgetCacheTtl)}"),
        ($"{PlacementOptions.SectionName}:ChargeFlushInterval", $"{LimitOptions.SectionName}:{nameof(LimitOptions.ChargeFlushInterval)}"),
        ($"{PlacementOptions.SectionName}:SessionFlushInterval", $"{SessionOptions.SectionName}:{nameof(SessionOptions.FlushInterval)}"),
        ($"{PlacementOptions.SectionName}:SessionIdleTimeout", $"{SessionOptions.SectionName}:{nameof(SessionOptions.IdleTimeout)}"),
        ($"{PlacementOptions.SectionName}:CommandTimeout", "ControlPlane:Fleet:AgentCommandTimeout"),
    ];

    /// <summary>One error per moved key that <paramref name="configuration"/> still sets.</summary>
    public static IEnumerable<string> Find(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var (from, to) in Moves)
        {
            var section = configuration.GetSection(from);
            if (section.Value is not null || section.GetChildren().Any())
            {
                yield return $"{from} has moved: set {to} instead";
            }
        }
    }
}

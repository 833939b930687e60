using ControlPlane.Contracts.Security;

namespace ControlPlane.Silos.Security;

/// <summary>Which roles may call which gRPC methods. Anything not listed is refused.</summary>
public static class MethodAccessPolicy
{
    private static readonly CallerRole[] Anyone = [];

    /// <summary>The roles allowed to call <paramref name="method"/> (full gRPC name); empty means anonymous; null means nobody.</summary>
    public static IReadOnlyList<CallerRole>? AllowedRoles(string method) => method switch
    {
        _ when method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal) => Anyone,
        _ when method.StartsWith("/grpc.reflection.", StringComparison.Ordinal) => Anyone,
        _ when method.StartsWith("/controlplane.v1.AgentService/", StringComparison.Ordinal) => [CallerRole.Agent],
        "/controlplane.v1.FleetService/ListAccelerators" or "/controlplane.v1.FleetService/GetAccelerator" => [CallerRole.Operator, CallerRole.Viewer],

        // Pings and every lifecycle action change or probe the fleet: operators only.
        _ when method.StartsWith("/controlplane.v1.FleetService/", StringComparison.Ordinal) => [CallerRole.Operator],
        "/controlplane.v1.AuditService/ListAuditEntries" => [CallerRole.Operator, CallerRole.Viewer],
        "/controlplane.v1.DeploymentService/GetDeployment" or "/controlplane.v1.DeploymentService/ListDeployments" => [CallerRole.Operator, CallerRole.Viewer],
        _ when method.StartsWith("/controlplane.v1.DeploymentService/", StringComparison.Ordinal) => [CallerRole.Operator],

        // Operators and viewers may ask for dry runs (explanations); the service refuses them anything else.
        "/controlplane.v1.PlacementService/Place" or "/controlplane.v1.PlacementService/PlaceStream" => [CallerRole.Gateway, CallerRole.Operator, CallerRole.Viewer],
        _ when method.StartsWith("/controlplane.v1.PlacementService/", StringComparison.Ordinal) => [CallerRole.Gateway],
        _ => null,
    };
}

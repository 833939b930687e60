namespace ControlPlane.Silos.Audit;

/// <summary>
/// The operator actions the audit log records, by gRPC method, and each one's name in the log: one table
/// for actions that ran (<see cref="OperatorAudit"/>) and attempts refused before running
/// (<see cref="RefusedAttemptAudit"/>), so both name an action alike.
/// </summary>
public static class AuditedActions
{
    /// <summary>The audit action of <paramref name="method"/> (a full gRPC method name); null when it is not an operator action.</summary>
    public static string? Of(string method) => method switch
    {
        "/controlplane.v1.FleetService/CordonAccelerators" => "cordon",
        "/controlplane.v1.FleetService/UncordonAccelerators" => "uncordon",
        "/controlplane.v1.FleetService/DrainAccelerators" => "drain",
        "/controlplane.v1.FleetService/ResumeAccelerators" => "resume",
        "/controlplane.v1.FleetService/DecommissionAccelerators" => "decommission",
        "/controlplane.v1.FleetService/ReaddAccelerators" => "readd",
        "/controlplane.v1.FleetService/PingNode" => "nodes.ping",
        "/controlplane.v1.DeploymentService/CreateDeployment" => "deployments.create",
        "/controlplane.v1.DeploymentService/UpdateDeployment" => "deployments.update",
        "/controlplane.v1.DeploymentService/ScaleDeployment" => "deployments.scale",
        "/controlplane.v1.DeploymentService/DeleteDeployment" => "deployments.delete",
        _ => null,
    };
}

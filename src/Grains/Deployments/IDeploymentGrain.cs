using ControlPlane.Placement.Replicas;
using Orleans.Concurrency;

namespace ControlPlane.Grains.Deployments;

/// <summary>
/// One deployment, keyed by its name: keeps its spec and replicas, places replicas on accelerators,
/// tells agents to load and unload them, and marks them ready when agents report them loaded.
/// </summary>
public interface IDeploymentGrain : IGrainWithStringKey
{
    /// <summary>Declares the deployment; refused when the name exists. <paramref name="requestId"/> makes retries act once.</summary>
    Task<DeploymentOutcome> CreateAsync(DeploymentDefinition definition, string requestId);

    /// <summary>Replaces the spec of an existing deployment (replicas follow at the next reconcile).</summary>
    Task<DeploymentOutcome> UpdateAsync(DeploymentDefinition definition, string requestId);

    /// <summary>Sets desired (and optionally minimum) replicas.</summary>
    Task<DeploymentOutcome> ScaleAsync(int desiredReplicas, int? minReplicas, string requestId);

    /// <summary>Unloads every replica and forgets the deployment.</summary>
    Task<DeploymentOutcome> DeleteAsync(string requestId);

    /// <summary>The current view, or null when the deployment does not exist.</summary>
    [ReadOnly]
    Task<DeploymentView?> GetAsync();

    /// <summary>An agent's report on one replica on one of its accelerators.</summary>
    Task ReportReplicaAsync(string replicaId, string acceleratorId, ReplicaState state, string message, string endpoint);

    /// <summary>
    /// An accelerator of the replica registered again (its agent reconnected or restarted): the weights may
    /// be gone, so the replica stops taking work there until the agent confirms them loaded.
    /// </summary>
    [OneWay]
    Task ConfirmReplicaAsync(string replicaId, string acceleratorId);

    /// <summary>
    /// A draining accelerator asks to take <paramref name="replicaId"/> out of service. The deployment answers
    /// with <see cref="Accelerators.IAcceleratorGrain.ReleaseReplicaAsync"/> when at least its minimum of ready
    /// replicas is left elsewhere (or <paramref name="force"/>), else with
    /// <see cref="Accelerators.IAcceleratorGrain.HoldReplicaAsync"/> and the reason. One-way both ways, so
    /// neither grain waits on the other.
    /// </summary>
    [OneWay]
    Task RequestDisruptionAsync(string replicaId, string acceleratorId, bool force);

    /// <summary>Compares replicas with what the spec wants and acts now (it also runs on a timer).</summary>
    Task ReconcileAsync();
}

using ControlPlane.Grains.Directories;
using ControlPlane.Grains.Fleet;

namespace ControlPlane.Grains.Deployments;

/// <summary>Keeps the sorted set of deployment names, durably.</summary>
public sealed class DeploymentDirectoryGrain(
    [PersistentState("deployment-directory", FleetStorage.Name)] IPersistentState<SortedSet<string>> names) : NameDirectoryGrain(names), IDeploymentDirectoryGrain;

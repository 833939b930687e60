using ControlPlane.Grains.Fleet;

namespace ControlPlane.Grains.Deployments;

/// <summary>Keeps the sorted set of deployment names, durably.</summary>
public sealed class DeploymentDirectoryGrain(
    [PersistentState("deployment-directory", FleetStorage.Name)] IPersistentState<SortedSet<string>> names) : Grain, IDeploymentDirectoryGrain
{
    /// <inheritdoc />
    public async Task AddAsync(string name)
    {
        if (names.State.Add(name))
        {
            await names.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public async Task RemoveAsync(string name)
    {
        if (names.State.Remove(name))
        {
            await names.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(names.State.ToArray());
}

using Orleans.Concurrency;

namespace ControlPlane.Grains.Deployments;

/// <summary>The names of every deployment, for lists (one grain, key 0: deployments are few).</summary>
public interface IDeploymentDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds a name.</summary>
    Task AddAsync(string name);

    /// <summary>Removes a name.</summary>
    Task RemoveAsync(string name);

    /// <summary>Every name, sorted.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> ListAsync();
}

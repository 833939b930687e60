using ControlPlane.Grains.Fleet;

namespace ControlPlane.Grains.Accelerators;

/// <summary>Keeps one shard of the accelerator directory, durably.</summary>
public sealed class AcceleratorDirectoryGrain(
    [PersistentState("accelerator-directory", FleetStorage.Name)] IPersistentState<SortedSet<string>> ids) : Grain, IAcceleratorDirectoryGrain
{
    /// <inheritdoc />
    public async Task AddAsync(string acceleratorId)
    {
        if (ids.State.Add(acceleratorId))
        {
            await ids.WriteStateAsync();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(ids.State.ToArray());
}

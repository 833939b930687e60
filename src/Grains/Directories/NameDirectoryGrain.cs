namespace ControlPlane.Grains.Directories;

/// <summary>
/// A durable, sorted set of names: what a directory grain keeps so that what it lists can be found again
/// after a restart (deployment names, a shard of accelerator ids). Adding or removing what is already
/// there writes nothing.
/// </summary>
/// <param name="names">The stored set.</param>
public abstract class NameDirectoryGrain(IPersistentState<SortedSet<string>> names) : Grain
{
    /// <summary>Adds a name.</summary>
    public async Task AddAsync(string name)
    {
        if (names.State.Add(name))
        {
            await names.WriteStateAsync();
        }
    }

    /// <summary>Removes a name.</summary>
    public async Task RemoveAsync(string name)
    {
        if (names.State.Remove(name))
        {
            await names.WriteStateAsync();
        }
    }

    /// <summary>Every name, sorted.</summary>
    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(names.State.ToArray());
}

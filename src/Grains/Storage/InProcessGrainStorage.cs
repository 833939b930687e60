using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Serialization;
using Orleans.Storage;

namespace ControlPlane.Grains.Storage;

/// <summary>
/// Grain state held in this process's memory: not durable, for a single silo and tests. Unlike Orleans'
/// memory storage it needs no grain of its own, so grains can still save while the silo shuts down.
/// Writes are versioned: a write carrying a stale ETag is refused with <see cref="InconsistentStateException"/>,
/// as a durable store would refuse it. States are deep-copied in and out, so a grain's later in-memory
/// changes never leak into what was stored.
/// </summary>
public sealed class InProcessGrainStorage(DeepCopier copier) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string StateName, GrainId Grain), (object State, long Version)> _states = new();

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_states.TryGetValue((stateName, grainId), out var stored))
        {
            grainState.State = copier.Copy((T)stored.State);
            grainState.ETag = ETagOf(stored.Version);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = (stateName, grainId);
        var copy = copier.Copy(grainState.State)!;
        while (true)
        {
            if (_states.TryGetValue(key, out var stored))
            {
                Require(grainState.ETag, ETagOf(stored.Version), stateName, grainId);
                if (_states.TryUpdate(key, (copy, stored.Version + 1), stored))
                {
                    grainState.ETag = ETagOf(stored.Version + 1);
                    break;
                }
            }
            else
            {
                Require(grainState.ETag, null, stateName, grainId);
                if (_states.TryAdd(key, (copy, 1)))
                {
                    grainState.ETag = ETagOf(1);
                    break;
                }
            }
        }

        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = (stateName, grainId);
        if (_states.TryGetValue(key, out var stored))
        {
            Require(grainState.ETag, ETagOf(stored.Version), stateName, grainId);
            _states.TryRemove(KeyValuePair.Create(key, stored));
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private static string ETagOf(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static void Require(string? presented, string? current, string stateName, GrainId grainId)
    {
        if (!string.Equals(presented, current, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(
                $"state '{stateName}' of {grainId} was written by another activation (ETag {current ?? "none"}, this one holds {presented ?? "none"})",
                current ?? "", presented ?? "");
        }
    }
}

using Orleans.Concurrency;

namespace ControlPlane.Grains.Gpus;

/// <summary>
/// Which accelerator a physical GPU (keyed by its nvidia-smi uuid) belongs to. A uuid is unique to one
/// device, so two accelerators declaring it means a cloned or misconfigured agent, and is refused.
/// </summary>
public interface IGpuClaimGrain : IGrainWithStringKey
{
    /// <summary>The accelerator holding this GPU, or null when none does.</summary>
    [ReadOnly]
    Task<string?> GetOwnerAsync();

    /// <summary>Claims the GPU for <paramref name="acceleratorId"/>; returns the owner after the call (another accelerator if it was taken).</summary>
    Task<string> ClaimAsync(string acceleratorId);

    /// <summary>Gives the GPU up if <paramref name="acceleratorId"/> holds it (a registration that failed after claiming).</summary>
    Task ReleaseAsync(string acceleratorId);
}

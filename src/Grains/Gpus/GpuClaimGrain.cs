using ControlPlane.Grains.Fleet;

namespace ControlPlane.Grains.Gpus;

/// <summary>Holds the owner of one GPU uuid, durably, so a claim survives reactivation.</summary>
public sealed class GpuClaimGrain(
    [PersistentState("gpu-claim", FleetStorage.Name)] IPersistentState<GpuClaim> claim) : Grain, IGpuClaimGrain
{
    /// <inheritdoc />
    public Task<string?> GetOwnerAsync() => Task.FromResult(claim.State.AcceleratorId);

    /// <inheritdoc />
    public async Task<string> ClaimAsync(string acceleratorId)
    {
        if (claim.State.AcceleratorId is { } owner)
        {
            return owner;
        }

        claim.State.AcceleratorId = acceleratorId;
        await claim.WriteStateAsync();
        return acceleratorId;
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(string acceleratorId)
    {
        if (claim.State.AcceleratorId == acceleratorId)
        {
            await claim.ClearStateAsync();
        }
    }
}

/// <summary>The durable state of a GPU claim.</summary>
[GenerateSerializer, Alias("cp.GpuClaim")]
public sealed class GpuClaim
{
    /// <summary>The accelerator that declared this GPU first.</summary>
    [Id(0)] public string? AcceleratorId { get; set; }
}

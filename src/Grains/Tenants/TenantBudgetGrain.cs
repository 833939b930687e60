using ControlPlane.Grains.Routing;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Limits;
using ControlPlane.Placement.Routing;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Tenants;

/// <summary>
/// Keeps a tenant's token buckets, separately per pool (fast-pool usage does not consume the GPU
/// allowance). Buckets live in memory: a restarted grain starts its tenant with full buckets, which
/// errs on the side of serving.
/// </summary>
public sealed class TenantBudgetGrain(IOptions<PlacementOptions> options, TimeProvider time) : Grain, ITenantBudgetGrain
{
    private readonly Dictionary<(string Plan, HardwareClass Class), TokenBucket> _buckets = new();

    /// <inheritdoc />
    public Task<BudgetStatus> GetStatusAsync(string plan)
    {
        var now = time.GetUtcNow();
        var wafer = Bucket(plan, HardwareClass.WaferScale, now);
        var gpu = Bucket(plan, HardwareClass.Gpu, now);
        var exhausted = HardwareClassSet.None;
        var retry = TimeSpan.MaxValue;
        foreach (var (hardwareClass, bucket) in new[] { (HardwareClass.WaferScale, wafer), (HardwareClass.Gpu, gpu) })
        {
            if (!bucket.Allows(now))
            {
                exhausted = exhausted.With(hardwareClass);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks, bucket.RetryAfter(now).Ticks));
            }
        }

        return Task.FromResult(new BudgetStatus(exhausted.Bits, exhausted.IsEmpty ? TimeSpan.Zero : retry, wafer.Level(now), gpu.Level(now)));
    }

    /// <inheritdoc />
    public Task ChargeAsync(string plan, HardwareClass hardwareClass, long tokens)
    {
        var now = time.GetUtcNow();
        Bucket(plan, hardwareClass, now).Charge(tokens, now);
        return Task.CompletedTask;
    }

    private TokenBucket Bucket(string plan, HardwareClass hardwareClass, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue((plan, hardwareClass), out var bucket))
        {
            // Plans are validated at the API boundary; an unknown one here means config changed under a session.
            var limits = options.Value.Plans.TryGetValue(plan, out var known) ? known : throw new ArgumentException($"unknown plan '{plan}'", nameof(plan));
            var perMinute = limits.TokensPerMinute(hardwareClass);
            bucket = new TokenBucket(perMinute * limits.BurstMinutes, perMinute / 60, now);
            _buckets.Add((plan, hardwareClass), bucket);
        }

        return bucket;
    }
}

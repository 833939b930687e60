using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Limits;

namespace ControlPlane.Placement.Tests;

public sealed class TenantAllowanceTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 12, 0, 0, TimeSpan.Zero);
    private static readonly PlanLimits Tiny = new() { WaferTokensPerMinute = 6_000, GpuTokensPerMinute = 60_000 };

    [Fact]
    public void Using_the_wafer_pool_up_leaves_the_gpu_allowance_untouched()
    {
        var allowance = new TenantAllowance(Tiny, Now);

        allowance.Charge(HardwareClass.WaferScale, 7_000, Now);
        var status = allowance.Status(Now);

        Assert.True(status.Exhausted.Contains(HardwareClass.WaferScale));
        Assert.False(status.Exhausted.Contains(HardwareClass.Gpu));
        Assert.Equal(60_000, status.GpuTokensLeft, 0);
        Assert.Equal(-1_000, status.WaferTokensLeft, 0);
        Assert.InRange(status.RetryAfter, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10.1)); // 1,000 tokens of debt at 100 a second
    }

    [Fact]
    public void A_status_with_nothing_exhausted_asks_for_no_wait_and_refills_with_time()
    {
        var allowance = new TenantAllowance(Tiny, Now);
        allowance.Charge(HardwareClass.WaferScale, 7_000, Now);

        var later = allowance.Status(Now.AddSeconds(11));

        Assert.True(later.Exhausted.IsEmpty);
        Assert.Equal(TimeSpan.Zero, later.RetryAfter);
    }

    [Fact]
    public void A_cached_status_takes_a_charge_until_the_charge_would_use_the_pool_up()
    {
        var status = new TenantAllowance(Tiny, Now).Status(Now);

        var charged = status.AfterCharge(HardwareClass.Gpu, 10_000);
        var usedUp = status.AfterCharge(HardwareClass.WaferScale, 6_000);

        Assert.Equal(50_000, charged!.Value.GpuTokensLeft, 0);
        Assert.Equal(6_000, charged.Value.WaferTokensLeft, 0);
        Assert.Null(usedUp); // only the buckets know when it refills
    }

    [Fact]
    public void A_refusal_for_want_of_allowance_waits_for_the_later_of_the_refill_and_the_engines_hint()
    {
        var allowance = new TenantAllowance(Tiny, Now);
        allowance.Charge(HardwareClass.WaferScale, 7_000, Now);
        var status = allowance.Status(Now);

        Assert.Equal(status.RetryAfter, status.RetryAfterRefusal(TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromSeconds(30), status.RetryAfterRefusal(TimeSpan.FromSeconds(30)));
    }
}

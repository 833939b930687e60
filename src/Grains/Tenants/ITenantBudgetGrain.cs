using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Limits;
using ControlPlane.Placement.Routing;
using Orleans.Concurrency;

namespace ControlPlane.Grains.Tenants;

/// <summary>A tenant's token allowances, one bucket per hardware class (pool), keyed by tenant id.</summary>
public interface ITenantBudgetGrain : IGrainWithStringKey
{
    /// <summary>Which pools the tenant has used up under <paramref name="plan"/>, and when the first refills.</summary>
    [ReadOnly]
    Task<BudgetStatus> GetStatusAsync(string plan);

    /// <summary>Charges <paramref name="tokens"/> used on <paramref name="hardwareClass"/> to the tenant under <paramref name="plan"/>. One-way: metering never holds up a completion.</summary>
    [OneWay]
    Task ChargeAsync(string plan, HardwareClass hardwareClass, long tokens);
}

/// <summary>A tenant's allowances at one moment.</summary>
/// <param name="ExhaustedBits">Bit set of exhausted hardware classes (see <c>HardwareClassSet</c>).</param>
/// <param name="RetryAfter">When the earliest exhausted pool allows a request again (zero when none is exhausted).</param>
/// <param name="WaferTokensLeft">Tokens left in the wafer pool's bucket (negative in debt).</param>
/// <param name="GpuTokensLeft">Tokens left in the GPU pool's bucket.</param>
[GenerateSerializer, Immutable, Alias("cp.BudgetStatus")]
public sealed record BudgetStatus(
    [property: Id(0)] int ExhaustedBits,
    [property: Id(1)] TimeSpan RetryAfter,
    [property: Id(2)] double WaferTokensLeft,
    [property: Id(3)] double GpuTokensLeft)
{
    /// <summary>The wire form of <paramref name="status"/>.</summary>
    public static BudgetStatus From(in AllowanceStatus status) =>
        new(status.Exhausted.Bits, status.RetryAfter, status.WaferTokensLeft, status.GpuTokensLeft);

    /// <summary>The status the limits' own types work with.</summary>
    public AllowanceStatus Allowance => new(new HardwareClassSet(ExhaustedBits), RetryAfter, WaferTokensLeft, GpuTokensLeft);
}

using ControlPlane.Placement.Hardware;

namespace ControlPlane.Placement.Limits;

/// <summary>
/// A plan's rate limits, in tokens per minute, kept separately per pool: using the fast wafer pool does
/// not consume the GPU pool's allowance. Bound from <c>ControlPlane:Plans:{name}</c>.
/// </summary>
public sealed class PlanLimits
{
    /// <summary>Tokens per minute on wafer-scale pools.</summary>
    public double WaferTokensPerMinute { get; set; }

    /// <summary>Tokens per minute on GPU pools.</summary>
    public double GpuTokensPerMinute { get; set; }

    /// <summary>Burst, as a multiple of one minute's allowance. Default 1.</summary>
    public double BurstMinutes { get; set; } = 1;

    /// <summary>The allowance for <paramref name="hardwareClass"/>.</summary>
    public double TokensPerMinute(HardwareClass hardwareClass) =>
        hardwareClass == HardwareClass.WaferScale ? WaferTokensPerMinute : GpuTokensPerMinute;

    /// <summary>Problems with the limits, as (key, message) pairs.</summary>
    public IEnumerable<(string Key, string Message)> Validate()
    {
        if (WaferTokensPerMinute is <= 0 or > 1e12 || double.IsNaN(WaferTokensPerMinute))
        {
            yield return (nameof(WaferTokensPerMinute), "must be more than 0 and at most 1e12");
        }

        if (GpuTokensPerMinute is <= 0 or > 1e12 || double.IsNaN(GpuTokensPerMinute))
        {
            yield return (nameof(GpuTokensPerMinute), "must be more than 0 and at most 1e12");
        }

        if (BurstMinutes is <= 0 or > 1440 || double.IsNaN(BurstMinutes))
        {
            yield return (nameof(BurstMinutes), "must be more than 0 and at most 1440");
        }
    }
}

using System.Globalization;

namespace ControlPlane.Simulator.Faults;

/// <summary>What happens to the hardware.</summary>
internal enum FaultKind
{
    /// <summary>No new work; running work finishes (an operator drain).</summary>
    Drain,

    /// <summary>The hardware is gone: running work fails, its prefix cache with it.</summary>
    Lose,
}

/// <summary>
/// A fault at a virtual time, written <c>drain:TARGET@SECONDS</c> or <c>lose:TARGET@SECONDS</c>, where TARGET is an
/// accelerator id or <c>pool=NAME</c> (every accelerator of a pool), e.g. <c>lose:wafer-a-003@900</c>.
/// </summary>
internal sealed record FaultSpec(FaultKind Kind, string Target, bool WholePool, double AtSeconds)
{
    /// <summary>Parses <paramref name="text"/>; false with a message saying what is wrong.</summary>
    public static bool TryParse(string text, out FaultSpec? fault, out string error)
    {
        fault = null;
        error = "";
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var at = text.LastIndexOf('@');
        if (colon < 1 || at < colon + 2)
        {
            error = $"'{text}' is not a fault; write drain:TARGET@SECONDS or lose:TARGET@SECONDS (TARGET an accelerator id or pool=NAME)";
            return false;
        }

        var kind = text[..colon] switch { "drain" => FaultKind.Drain, "lose" => FaultKind.Lose, _ => (FaultKind?)null };
        if (kind is null)
        {
            error = $"'{text[..colon]}' is not a fault kind; use drain or lose";
            return false;
        }

        if (!double.TryParse(text[(at + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || double.IsNaN(seconds) || double.IsInfinity(seconds))
        {
            error = $"'{text[(at + 1)..]}' is not a time; give seconds from the start (0 or more)";
            return false;
        }

        var target = text[(colon + 1)..at];
        var pool = target.StartsWith("pool=", StringComparison.Ordinal);
        fault = new FaultSpec(kind.Value, pool ? target[5..] : target, pool, seconds);
        return true;
    }

    /// <summary>Whether the accelerator <paramref name="acceleratorId"/> of pool <paramref name="pool"/> is hit.</summary>
    public bool Matches(string acceleratorId, string pool) =>
        string.Equals(WholePool ? pool : acceleratorId, Target, StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind.ToString().ToLowerInvariant()}:{(WholePool ? "pool=" : "")}{Target}@{AtSeconds}");
}

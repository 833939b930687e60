using ControlPlane.Placement.Hardware;

namespace ControlPlane.Placement.Performance;

/// <summary>
/// What one replica of one model on one hardware shape can do, precomputed once per replica so the
/// routing hot path only does arithmetic.
/// </summary>
/// <param name="Class">The hardware class the replica runs on.</param>
/// <param name="SingleStreamTokensPerSecond">Decode speed of one stream alone on the replica.</param>
/// <param name="ComputeBoundTokensPerSecond">Decode speed of the whole replica when compute binds.</param>
/// <param name="PrefillTokensPerSecond">Prompt tokens processed per second.</param>
/// <param name="FirstTokenOverheadSeconds">Fixed time before the first token beyond prefill.</param>
/// <param name="BatchSlowdown">Per-stream slowdown per extra concurrent stream.</param>
public readonly record struct ReplicaPerformance(
    HardwareClass Class,
    double SingleStreamTokensPerSecond,
    double ComputeBoundTokensPerSecond,
    double PrefillTokensPerSecond,
    double FirstTokenOverheadSeconds,
    double BatchSlowdown)
{
    /// <summary>Decode tokens/s of each stream when <paramref name="streams"/> run at once.</summary>
    public double TokensPerSecondPerStream(int streams)
    {
        var n = Math.Max(1, streams);
        var batched = SingleStreamTokensPerSecond / (1 + BatchSlowdown * (n - 1));
        var computeShare = ComputeBoundTokensPerSecond / n;
        return Math.Min(batched, computeShare);
    }

    /// <summary>
    /// The most concurrent streams, up to <paramref name="slots"/>, at which each stream still decodes at
    /// <paramref name="minTokensPerSecond"/> or faster; 0 when one stream alone is slower. A replica's slots
    /// count what its KV cache holds, which on a GPU replica can be several times what keeps an SLO.
    /// </summary>
    public int StreamsAtSpeed(double minTokensPerSecond, int slots)
    {
        if (slots <= 0 || TokensPerSecondPerStream(1) < minTokensPerSecond)
        {
            return 0;
        }

        // Each stream slows as streams are added, so the answer is the last count that keeps up.
        var (keepsUp, fallsBehind) = (1, slots + 1);
        while (fallsBehind - keepsUp > 1)
        {
            var middle = keepsUp + (fallsBehind - keepsUp) / 2;
            (keepsUp, fallsBehind) = TokensPerSecondPerStream(middle) >= minTokensPerSecond ? (middle, fallsBehind) : (keepsUp, middle);
        }

        return keepsUp;
    }

    /// <summary>Predicted time to first token for a prompt of <paramref name="promptTokens"/>, once admitted.</summary>
    public double TimeToFirstTokenSeconds(int promptTokens, int streams) =>
        FirstTokenOverheadSeconds + promptTokens / PrefillTokensPerSecond + 1 / TokensPerSecondPerStream(streams);

    /// <summary>Predicted end-to-end seconds of a request, once admitted.</summary>
    public double CompletionSeconds(int promptTokens, int outputTokens, int streams) =>
        TimeToFirstTokenSeconds(promptTokens, streams) + Math.Max(0, outputTokens - 1) / TokensPerSecondPerStream(streams);
}

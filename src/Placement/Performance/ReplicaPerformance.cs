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

    /// <summary>Predicted time to first token for a prompt of <paramref name="promptTokens"/>, once admitted.</summary>
    public double TimeToFirstTokenSeconds(int promptTokens, int streams) =>
        FirstTokenOverheadSeconds + promptTokens / PrefillTokensPerSecond + 1 / TokensPerSecondPerStream(streams);

    /// <summary>Predicted end-to-end seconds of a request, once admitted.</summary>
    public double CompletionSeconds(int promptTokens, int outputTokens, int streams) =>
        TimeToFirstTokenSeconds(promptTokens, streams) + Math.Max(0, outputTokens - 1) / TokensPerSecondPerStream(streams);
}

namespace ControlPlane.Simulator.Workloads;

/// <summary>One request as a trace gives it, before the run's rules say who serves it.</summary>
/// <param name="Seconds">Arrival, seconds after the trace's first request.</param>
/// <param name="PromptTokens">Input tokens.</param>
/// <param name="OutputTokens">Generated tokens.</param>
/// <param name="PrefixBlocks">Ids of the prompt's 512-token blocks (empty when the trace does not say).</param>
internal readonly record struct TraceRecord(double Seconds, int PromptTokens, int OutputTokens, long[] PrefixBlocks);

using System.Globalization;

namespace ControlPlane.Simulator.Workloads;

/// <summary>
/// The Azure LLM inference trace format (Splitwise, ISCA 2024): a header <c>TIMESTAMP,ContextTokens,GeneratedTokens</c>,
/// then one request per line, e.g. <c>2023-11-16 18:17:03.9799600,4808,10</c>. Times become seconds after the first.
/// </summary>
internal static class AzureTraceReader
{
    /// <summary>Most tokens one request may claim before the line is judged implausible.</summary>
    public const int MaxTokens = 10_000_000;

    private const string Header = "TIMESTAMP,ContextTokens,GeneratedTokens";

    /// <summary>Reads <paramref name="path"/>; bad lines go to <paramref name="problems"/>.</summary>
    public static IReadOnlyList<TraceRecord> Read(string path, TraceProblems problems)
    {
        using var reader = Open(path);
        return Read(reader, path, problems);
    }

    /// <summary>Reads a trace from <paramref name="reader"/>; <paramref name="source"/> names it in problems.</summary>
    public static IReadOnlyList<TraceRecord> Read(TextReader reader, string source, TraceProblems problems)
    {
        var header = reader.ReadLine();
        if (header is null || !header.Trim().Equals(Header, StringComparison.OrdinalIgnoreCase))
        {
            throw new TraceException($"{source}:1: expected the header '{Header}' of the Azure LLM inference trace (got '{Shorten(header ?? "")}')");
        }

        var records = new List<TraceRecord>();
        DateTime? first = null;
        var line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            var fields = text.Split(',');
            if (fields.Length != 3)
            {
                problems.Add(source, line, $"expected 3 comma-separated fields (TIMESTAMP,ContextTokens,GeneratedTokens), got {fields.Length}");
                continue;
            }

            if (!DateTime.TryParse(fields[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                problems.Add(source, line, $"TIMESTAMP '{Shorten(fields[0])}' is not a date and time like 2023-11-16 18:17:03.9799600");
                continue;
            }

            if (!int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var prompt) || prompt is < 1 or > MaxTokens)
            {
                problems.Add(source, line, $"ContextTokens '{Shorten(fields[1])}' must be a whole number 1..{MaxTokens}");
                continue;
            }

            if (!int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var output) || output is < 1 or > MaxTokens)
            {
                problems.Add(source, line, $"GeneratedTokens '{Shorten(fields[2])}' must be a whole number 1..{MaxTokens}");
                continue;
            }

            first ??= at;
            var seconds = (at - first.Value).TotalSeconds;
            if (seconds < 0)
            {
                problems.Add(source, line, $"TIMESTAMP {fields[0]} is before the trace's first request; the trace must be in time order");
                continue;
            }

            records.Add(new TraceRecord(seconds, prompt, output, []));
        }

        return records;
    }

    internal static StreamReader Open(string path)
    {
        try
        {
            return new StreamReader(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TraceException($"{path}: cannot read the trace ({ex.Message})");
        }
    }

    internal static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";
}

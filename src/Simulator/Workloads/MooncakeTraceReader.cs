using System.Text.Json;

namespace ControlPlane.Simulator.Workloads;

/// <summary>
/// The Mooncake trace format (FAST 2025): JSON lines <c>{"timestamp": ms, "input_length": n, "output_length": n,
/// "hash_ids": [...]}</c>, where equal leading hash ids are a shared 512-token prefix.
/// </summary>
internal static class MooncakeTraceReader
{
    /// <summary>Reads <paramref name="path"/>; bad lines go to <paramref name="problems"/>.</summary>
    public static IReadOnlyList<TraceRecord> Read(string path, TraceProblems problems)
    {
        using var reader = AzureTraceReader.Open(path);
        return Read(reader, path, problems);
    }

    /// <summary>Reads a trace from <paramref name="reader"/>; <paramref name="source"/> names it in problems.</summary>
    public static IReadOnlyList<TraceRecord> Read(TextReader reader, string source, TraceProblems problems)
    {
        var records = new List<TraceRecord>();
        double? first = null;
        var line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Trim().Length == 0)
            {
                continue;
            }

            var (parsed, error) = Parse(text);
            if (parsed is not { } record || record.PromptTokens < 1)
            {
                problems.Add(source, line, error ?? "input_length must be 1 or more");
                continue;
            }

            first ??= record.Seconds;
            if (record.Seconds < first)
            {
                problems.Add(source, line, "timestamp is before the trace's first request; the trace must be in time order");
                continue;
            }

            records.Add(record with { Seconds = record.Seconds - first.Value });
        }

        return records;
    }

    private static (TraceRecord? Record, string? Error) Parse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "expected a JSON object per line");
            }

            if (!root.TryGetProperty("timestamp", out var ts) || !ts.TryGetDouble(out var ms) || ms < 0 || double.IsNaN(ms))
            {
                return (null, "timestamp (milliseconds, 0 or more) is missing or not a number");
            }

            if (!root.TryGetProperty("input_length", out var input) || !input.TryGetInt32(out var prompt) || prompt is < 0 or > AzureTraceReader.MaxTokens)
            {
                return (null, $"input_length must be a whole number 1..{AzureTraceReader.MaxTokens}");
            }

            if (!root.TryGetProperty("output_length", out var output) || !output.TryGetInt32(out var generated) || generated is < 1 or > AzureTraceReader.MaxTokens)
            {
                return (null, $"output_length must be a whole number 1..{AzureTraceReader.MaxTokens}");
            }

            var blocks = Array.Empty<long>();
            if (root.TryGetProperty("hash_ids", out var hashes))
            {
                if (hashes.ValueKind != JsonValueKind.Array || hashes.EnumerateArray().Any(h => h.ValueKind != JsonValueKind.Number || !h.TryGetInt64(out _)))
                {
                    return (null, "hash_ids must be an array of whole numbers");
                }

                blocks = hashes.EnumerateArray().Select(h => h.GetInt64()).ToArray();
            }

            return (new TraceRecord(ms / 1000, prompt, generated, blocks), null);
        }
        catch (JsonException ex)
        {
            return (null, $"not valid JSON ({ex.Message.Split(" Path:")[0].Split(" LineNumber:")[0]})");
        }
    }
}

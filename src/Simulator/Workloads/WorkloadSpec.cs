using System.Globalization;

namespace ControlPlane.Simulator.Workloads;

/// <summary>Kinds of workload sources.</summary>
internal enum WorkloadKind
{
    /// <summary>The Azure LLM inference trace (CSV).</summary>
    Azure,

    /// <summary>The Mooncake trace (JSON lines with prefix hash ids).</summary>
    Mooncake,

    /// <summary>Synthetic long-horizon agentic jobs.</summary>
    Agentic,
}

/// <summary>
/// One <c>--workload</c>: <c>azure:PATH</c>, <c>mooncake:PATH</c>, or
/// <c>agentic[:jobs=30,turns=12-48,output=400,tool=10,prompt=8000,within=3420]</c>.
/// </summary>
internal sealed record WorkloadSpec(WorkloadKind Kind, string Path, AgenticJobOptions Agentic)
{
    /// <summary>Parses <paramref name="text"/>; false with a message naming what is wrong.</summary>
    public static bool TryParse(string text, out WorkloadSpec? spec, out string error)
    {
        spec = null;
        error = "";
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? text : text[..colon];
        var rest = colon < 0 ? "" : text[(colon + 1)..];
        switch (kind)
        {
            case "azure" or "mooncake" when rest.Length > 0:
                spec = new WorkloadSpec(kind == "azure" ? WorkloadKind.Azure : WorkloadKind.Mooncake, rest, new AgenticJobOptions());
                return true;
            case "azure" or "mooncake":
                error = $"'{text}' names no file; write {kind}:PATH";
                return false;
            case "agentic":
                var options = new AgenticJobOptions();
                foreach (var pair in rest.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    var (key, value) = eq < 0 ? (pair, "") : (pair[..eq], pair[(eq + 1)..]);
                    if (!TryApply(options, key, value, out options, out error))
                    {
                        return false;
                    }
                }

                var problems = options.Validate().ToArray();
                if (problems.Length > 0)
                {
                    error = $"agentic workload: {string.Join("; ", problems)}";
                    return false;
                }

                spec = new WorkloadSpec(WorkloadKind.Agentic, "", options);
                return true;
            default:
                error = $"'{kind}' is not a workload kind; use azure:PATH, mooncake:PATH or agentic[:jobs=N,...]";
                return false;
        }
    }

    private static bool TryApply(AgenticJobOptions options, string key, string value, out AgenticJobOptions result, out string error)
    {
        result = options;
        error = "";
        if (key == "turns")
        {
            var parts = value.Split('-');
            if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var min) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var max))
            {
                result = options with { MinTurns = min, MaxTurns = max };
                return true;
            }

            error = $"agentic workload: turns must be MIN-MAX, e.g. turns=12-48 (got '{value}')";
            return false;
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || double.IsNaN(number))
        {
            error = $"agentic workload: {key} needs a number (got '{value}')";
            return false;
        }

        result = key switch
        {
            "jobs" => options with { Jobs = (int)number },
            "output" => options with { MeanOutputTokens = number },
            "tool" => options with { MeanToolSeconds = number },
            "prompt" => options with { InitialPromptTokens = (int)number },
            "tool_tokens" => options with { ToolResultTokens = (int)number },
            "within" => options with { StartWithinSeconds = number },
            _ => null!,
        };
        if (result is null)
        {
            error = $"agentic workload: unknown parameter '{key}'; known: jobs, turns, output, tool, prompt, tool_tokens, within";
            result = options;
            return false;
        }

        return true;
    }
}

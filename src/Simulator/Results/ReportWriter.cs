using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ControlPlane.Simulator.Results;

/// <summary>Writes the comparison: a console table, a JSON file, and SVG charts.</summary>
internal static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The side-by-side table, one policy per row, columns lined up.</summary>
    public static void WriteTable(IReadOnlyList<RunResult> runs, TextWriter output)
    {
        string[] headers = ["policy", "goodput/s", "int. SLO", "int. TTFT p50", "p99", "TPOT p50", "long SLO", "long E2E p50", "p99", "job p50", "refused", "lost", "fleet load", "wafer util", "gpu util", "prefill saved"];
        var rows = runs.Select(r => new[]
        {
            r.Policy,
            F(r.GoodputPerSecond, "F2"),
            Pct(r.Interactive.SloAttainment),
            Sec(r.Interactive.TimeToFirstToken.P50),
            Sec(r.Interactive.TimeToFirstToken.P99),
            Ms(r.Interactive.TimePerOutputToken.P50),
            Pct(r.LongHorizon.SloAttainment),
            Sec(r.LongHorizon.EndToEnd.P50),
            Sec(r.LongHorizon.EndToEnd.P99),
            r.AgenticJobs.Jobs == 0 ? "-" : Sec(r.AgenticJobs.Duration.P50),
            r.Refused.ToString(CultureInfo.InvariantCulture),
            r.Lost.ToString(CultureInfo.InvariantCulture),
            Pct(r.FleetUtilization),
            Pct(r.Pools[0].MeanUtilization),
            Pct(r.Pools[1].MeanUtilization),
            r.PromptTokens == 0 ? "0%" : Pct((double)r.PrefillTokensSaved / r.PromptTokens),
        }).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine(string.Join("  ", headers.Select((h, i) => i == 0 ? h.PadRight(widths[i]) : h.PadLeft(widths[i]))));
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))));
        }

        var refusals = runs.Where(r => r.Refused > 0).ToArray();
        if (refusals.Length > 0)
        {
            output.WriteLine();
            output.WriteLine("refused, by reason:");
            foreach (var run in refusals)
            {
                output.WriteLine($"  {run.Policy.PadRight(widths[0])}  {string.Join(", ", run.RefusedByReason.Select(p => $"{p.Key} {p.Value.ToString("N0", CultureInfo.InvariantCulture)}"))}");
            }
        }
    }

    /// <summary>Writes every run to <paramref name="path"/> as JSON.</summary>
    public static void WriteJson(IReadOnlyList<RunResult> runs, object run, string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(new { run, results = runs }, Json));

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Pct(double value) => (value * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";

    private static string Sec(double value) => value >= 100 ? F(value, "F0") + "s" : F(value, "F2") + "s";

    private static string Ms(double value) => F(value * 1000, "F1") + "ms";

    /// <summary>Escapes text for SVG.</summary>
    internal static string Escape(string text) => new StringBuilder(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").ToString();
}

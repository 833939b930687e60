using System.Globalization;
using System.Text;

namespace ControlPlane.Simulator.Results;

/// <summary>
/// Plain SVG charts (no library, opens in any browser): latency CDFs per policy on a log time axis, and
/// pool utilisation over time per policy.
/// </summary>
internal static class SvgCharts
{
    private const int Width = 760;
    private const int Height = 420;
    private const int Left = 70;
    private const int Right = 190;
    private const int Top = 40;
    private const int Bottom = 50;
    private static readonly string[] Colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"];

    /// <summary>A CDF chart: for each policy, the share of requests (y) done within a time (x, log scale).</summary>
    public static string Cdf(string title, IReadOnlyList<(string Policy, double[] Percentiles)> series, double? sloSeconds)
    {
        var values = series.SelectMany(s => s.Percentiles).Where(v => v > 0).ToArray();
        var min = values.Length == 0 ? 0.01 : Math.Pow(10, Math.Floor(Math.Log10(values.Min())));
        var max = values.Length == 0 ? 10 : Math.Pow(10, Math.Ceiling(Math.Log10(values.Max())));
        if (max <= min)
        {
            max = min * 10;
        }

        double X(double v) => Left + (Math.Log10(Math.Max(v, min)) - Math.Log10(min)) / (Math.Log10(max) - Math.Log10(min)) * (Width - Left - Right);
        double Y(double share) => Top + (1 - share) * (Height - Top - Bottom);

        var svg = Begin(title);
        for (var decade = min; decade <= max * 1.0001; decade *= 10)
        {
            svg.Append(Line(X(decade), Top, X(decade), Height - Bottom, "#ddd"));
            svg.Append(Text(X(decade), Height - Bottom + 18, Seconds(decade), "middle"));
        }

        for (var share = 0.0; share <= 1.0001; share += 0.25)
        {
            svg.Append(Line(Left, Y(share), Width - Right, Y(share), "#ddd"));
            svg.Append(Text(Left - 8, Y(share) + 4, $"{share * 100:F0}%", "end"));
        }

        if (sloSeconds is { } slo && slo > 0)
        {
            svg.Append(Line(X(slo), Top, X(slo), Height - Bottom, "#000", "4 3"));
            svg.Append(Text(X(slo) + 4, Top + 12, $"SLO {Seconds(slo)}", "start"));
        }

        return End(svg, "time (log scale)", series.Select(s => (s.Policy, s.Percentiles.Select((v, p) => (X(v), Y(p / 100.0))))).ToArray());
    }

    /// <summary>A line chart of a 0..1 share over time, one line per series.</summary>
    public static string OverTime(string title, double bucketSeconds, IReadOnlyList<(string Label, double[] Values)> series)
    {
        var buckets = Math.Max(1, series.Count == 0 ? 1 : series.Max(s => s.Values.Length));
        var top = Math.Max(1.0, series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        double X(int bucket) => Left + (bucket + 0.5) / buckets * (Width - Left - Right);
        double Y(double v) => Top + (1 - v / top) * (Height - Top - Bottom);

        var svg = Begin(title);
        for (var share = 0.0; share <= top + 1e-9; share += top / 4)
        {
            svg.Append(Line(Left, Y(share), Width - Right, Y(share), "#ddd"));
            svg.Append(Text(Left - 8, Y(share) + 4, $"{share * 100:F0}%", "end"));
        }

        var minutes = buckets * bucketSeconds / 60;
        var step = minutes <= 20 ? 5 : minutes <= 120 ? 15 : 60;
        for (var m = 0; m <= minutes; m += step)
        {
            var x = Left + m * 60 / bucketSeconds / buckets * (Width - Left - Right);
            svg.Append(Text(x, Height - Bottom + 18, $"{m}m", "middle"));
        }

        return End(svg, "virtual time", series.Select(s => (s.Label, s.Values.Select((v, b) => (X(b), Y(v))))).ToArray());
    }

    private static StringBuilder Begin(string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(Text(Width / 2.0, 22, title, "middle", 15));
        return svg;
    }

    // One coloured line and legend entry per series, the x-axis label, the axes.
    private static string End(StringBuilder svg, string xLabel, IReadOnlyList<(string Label, IEnumerable<(double X, double Y)> Points)> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var points = string.Join(' ', lines[i].Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.X:F1},{p.Y:F1}")));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Colors[i % Colors.Length]}\" stroke-width=\"2\" points=\"{points}\"/>\n");
            Legend(svg, i, lines[i].Label);
        }

        svg.Append(Text((Left + Width - Right) / 2.0, Height - 12, xLabel, "middle"));
        svg.Append(Line(Left, Height - Bottom, Width - Right, Height - Bottom, "#333"));
        svg.Append(Line(Left, Top, Left, Height - Bottom, "#333"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Legend(StringBuilder svg, int index, string label)
    {
        var y = Top + 10 + index * 20;
        svg.Append(Line(Width - Right + 15, y, Width - Right + 40, y, Colors[index % Colors.Length], null, 3));
        svg.Append(Text(Width - Right + 46, y + 4, label, "start"));
    }

    private static string Line(double x1, double y1, double x2, double y2, string color, string? dash = null, double width = 1) =>
        string.Create(CultureInfo.InvariantCulture,
            $"<line x1=\"{x1:F1}\" y1=\"{y1:F1}\" x2=\"{x2:F1}\" y2=\"{y2:F1}\" stroke=\"{color}\" stroke-width=\"{width}\"{(dash is null ? "" : $" stroke-dasharray=\"{dash}\"")}/>\n");

    private static string Text(double x, double y, string text, string anchor, int size = 12) =>
        string.Create(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{y:F1}\" text-anchor=\"{anchor}\" font-size=\"{size}\">{ReportWriter.Escape(text)}</text>\n");

    private static string Seconds(double seconds) => seconds switch
    {
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1000:G3}ms"),
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{seconds:G3}s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:G3}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:G3}h"),
    };
}

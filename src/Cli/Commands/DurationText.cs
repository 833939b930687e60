using System.Globalization;
using System.Text.RegularExpressions;

namespace ControlPlane.Cli.Commands;

/// <summary>Durations as operators type them: <c>90s</c>, <c>10m</c>, <c>1h30m</c>, <c>2d</c>, <c>500ms</c>, or <c>hh:mm:ss</c>.</summary>
public static partial class DurationText
{
    /// <summary>Parses <paramref name="text"/>; false (with a message) when it is not a duration.</summary>
    public static bool TryParse(string text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = "";
        var trimmed = text.Trim();
        if (trimmed.StartsWith('-'))
        {
            error = $"'{text}' is negative; give a positive duration such as 30s, 10m or 1h30m";
            return false;
        }

        var match = Parts().Match(trimmed);
        if (trimmed.Length > 0 && match.Success)
        {
            foreach (Capture part in match.Groups["part"].Captures)
            {
                var unit = part.Value.TrimStart("0123456789.".ToCharArray());
                var number = double.Parse(part.Value[..^unit.Length], CultureInfo.InvariantCulture);
                duration += unit switch
                {
                    "ms" => TimeSpan.FromMilliseconds(number),
                    "s" => TimeSpan.FromSeconds(number),
                    "m" => TimeSpan.FromMinutes(number),
                    "h" => TimeSpan.FromHours(number),
                    _ => TimeSpan.FromDays(number),
                };
            }

            return true;
        }

        if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero)
        {
            return true;
        }

        error = $"'{text}' is not a duration; use e.g. 30s, 10m, 1h30m, 2d or 00:10:00";
        return false;
    }

    /// <summary>A short form like 4s, 3m05s or 2h10m.</summary>
    public static string Format(TimeSpan span) =>
        span < TimeSpan.Zero ? "0s"
        : span.TotalSeconds < 60 ? $"{(int)span.TotalSeconds}s"
        : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes}m{span.Seconds:D2}s"
        : span.TotalHours < 48 ? $"{(int)span.TotalHours}h{span.Minutes:D2}m"
        : $"{(int)span.TotalDays}d";

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|s|m|h|d))+$")]
    private static partial Regex Parts();
}

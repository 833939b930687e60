using System.Globalization;

namespace ControlPlane.HardwareAgents.Discovery;

/// <summary>Parses nvidia-smi's <c>--format=csv,noheader,nounits</c> output for the fields in <see cref="QueryFields"/>.</summary>
public static class NvidiaSmiCsvParser
{
    /// <summary>The <c>--query-gpu</c> fields, in the order the parser expects them.</summary>
    public const string QueryFields = "index,uuid,name,memory.total,memory.used,utilization.gpu,temperature.gpu,power.draw";

    /// <summary>The full argument list to run nvidia-smi with.</summary>
    public static readonly string[] Arguments = [$"--query-gpu={QueryFields}", "--format=csv,noheader,nounits"];

    private const int FieldCount = 8;

    /// <summary>Parses every non-blank line; throws <see cref="HardwareDiscoveryException"/> naming the line and field at the first bad one.</summary>
    public static IReadOnlyList<GpuReading> Parse(string output)
    {
        var readings = new List<GpuReading>();
        var lines = output.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            readings.Add(ParseLine(line, i + 1));
        }

        var duplicate = readings.GroupBy(r => r.Uuid, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new HardwareDiscoveryException($"nvidia-smi reported GPU uuid '{duplicate.Key}' more than once");
        }

        return readings;
    }

    private static GpuReading ParseLine(string line, int lineNumber)
    {
        var fields = line.Split(',').Select(f => f.Trim()).ToArray();
        if (fields.Length != FieldCount)
        {
            throw Bad(lineNumber, $"expected {FieldCount} comma-separated fields ({QueryFields}) but found {fields.Length}: '{Shorten(line)}'");
        }

        var index = Integer(fields[0], lineNumber, "index") ?? throw Bad(lineNumber, "index is missing");
        var uuid = fields[1];
        if (uuid.Length == 0 || IsNotAvailable(uuid))
        {
            throw Bad(lineNumber, "uuid is missing");
        }

        var memoryTotal = Integer(fields[3], lineNumber, "memory.total")
            ?? throw Bad(lineNumber, "memory.total is [N/A]; the agent cannot size this GPU");
        return new GpuReading(
            (int)index,
            uuid,
            fields[2],
            memoryTotal,
            Integer(fields[4], lineNumber, "memory.used"),
            Number(fields[5], lineNumber, "utilization.gpu"),
            Number(fields[6], lineNumber, "temperature.gpu"),
            Number(fields[7], lineNumber, "power.draw"));
    }

    private static long? Integer(string field, int lineNumber, string name) =>
        IsNotAvailable(field) ? null
        : long.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value
        : throw Bad(lineNumber, $"{name} is '{Shorten(field)}', not a non-negative integer");

    private static double? Number(string field, int lineNumber, string name) =>
        IsNotAvailable(field) ? null
        : double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value
        : throw Bad(lineNumber, $"{name} is '{Shorten(field)}', not a number");

    // nvidia-smi prints these for fields a GPU or driver does not expose.
    private static bool IsNotAvailable(string field) =>
        field is "[N/A]" or "N/A" or "[Not Supported]" or "[Unknown Error]" or "[Insufficient Permissions]" or "[GPU is lost]";

    private static string Shorten(string s) => s.Length <= 120 ? s : s[..120] + "...";

    private static HardwareDiscoveryException Bad(int lineNumber, string what) =>
        new($"nvidia-smi output line {lineNumber}: {what}");
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlPlane.HardwareAgents.Discovery;

/// <summary>One wafer-scale system in the inventory file.</summary>
public sealed record WaferSystem(string Id, string Sku, string Region, string Zone, string Rack, long SramBytes);

/// <summary>
/// Reads the inventory file that lists the wafer-scale systems an agent manages (there is no public
/// discovery API for them). JSON:
/// <code>{ "systems": [ { "id": "cs3-a01", "sku": "cs3", "region": "us-east", "zone": "use1-az1", "rack": "r12", "sramBytes": 44000000000 } ] }</code>
/// <c>sku</c> defaults to <c>cs3</c>, <c>rack</c> to empty and <c>sramBytes</c> to 44 GB.
/// </summary>
public static class WaferInventory
{
    /// <summary>SRAM of a CS-3's WSE-3 (Cerebras, March 2024), the default for <c>sramBytes</c>.</summary>
    public const long DefaultSramBytes = 44_000_000_000;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Reads and checks <paramref name="path"/>; throws <see cref="HardwareDiscoveryException"/> naming the file, and the line or entry that is wrong.</summary>
    public static async Task<IReadOnlyList<WaferSystem>> LoadAsync(string path, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new HardwareDiscoveryException($"cannot read wafer inventory '{path}': {ex.Message}", ex);
        }

        return Parse(text, path);
    }

    /// <summary>Parses inventory JSON; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<WaferSystem> Parse(string json, string source)
    {
        InventoryFile? file;
        try
        {
            file = JsonSerializer.Deserialize<InventoryFile>(json, Json);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}" : "";
            throw new HardwareDiscoveryException($"wafer inventory '{source}' is not valid{where}: {ex.Message}", ex);
        }

        if (file?.Systems is not { Count: > 0 } systems)
        {
            throw new HardwareDiscoveryException($"wafer inventory '{source}' lists no systems; expected {{ \"systems\": [ {{ \"id\": ..., \"region\": ..., \"zone\": ... }} ] }}");
        }

        var result = new List<WaferSystem>(systems.Count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < systems.Count; i++)
        {
            var entry = systems[i];
            string Where(string field) => $"wafer inventory '{source}': systems[{i}].{field}";
            if (string.IsNullOrWhiteSpace(entry.Id))
            {
                throw new HardwareDiscoveryException($"{Where("id")} is required");
            }

            if (!ids.Add(entry.Id))
            {
                throw new HardwareDiscoveryException($"{Where("id")} '{entry.Id}' appears more than once");
            }

            if (string.IsNullOrWhiteSpace(entry.Region) || string.IsNullOrWhiteSpace(entry.Zone))
            {
                throw new HardwareDiscoveryException($"{Where(string.IsNullOrWhiteSpace(entry.Region) ? "region" : "zone")} is required");
            }

            var sram = entry.SramBytes ?? DefaultSramBytes;
            if (sram <= 0)
            {
                throw new HardwareDiscoveryException($"{Where("sramBytes")} must be positive (got {sram})");
            }

            result.Add(new WaferSystem(entry.Id, entry.Sku ?? "cs3", entry.Region, entry.Zone, entry.Rack ?? "", sram));
        }

        return result;
    }

    private sealed record InventoryFile(List<InventoryEntry>? Systems);

    private sealed record InventoryEntry(string? Id, string? Sku, string? Region, string? Zone, string? Rack, long? SramBytes);
}

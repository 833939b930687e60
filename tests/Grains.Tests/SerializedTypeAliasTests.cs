using System.Reflection;
using ControlPlane.Grains.Nodes;

namespace ControlPlane.Grains.Tests;

/// <summary>
/// Stored state and grain messages are written with each type's alias and its members' ids, so renaming
/// or moving a type must keep its alias, and a member's id may never be reused for another type or
/// removed while stored records hold it. Fixtures/serialized-types.txt is the record of what shipped.
/// </summary>
public sealed class SerializedTypeAliasTests
{
    private static readonly string Snapshot = Path.Combine(AppContext.BaseDirectory, "Fixtures", "serialized-types.txt");

    [Fact]
    public void Every_serialized_type_has_one_alias_of_its_own()
    {
        var types = SerializedTypes().ToList();
        var missing = types.Where(t => t.GetCustomAttribute<AliasAttribute>() is null).Select(t => t.FullName).ToList();
        var duplicated = types.GroupBy(t => t.GetCustomAttribute<AliasAttribute>()?.Alias).Where(g => g.Key is not null && g.Count() > 1).Select(g => g.Key).ToList();

        Assert.True(types.Count >= 40, $"found only {types.Count} serialized types; is the assembly scan right?");
        Assert.True(missing.Count == 0, "[GenerateSerializer] types without [Alias]: " + string.Join(", ", missing));
        Assert.True(duplicated.Count == 0, "aliases used twice: " + string.Join(", ", duplicated));
    }

    [Fact]
    public void No_shipped_alias_or_member_id_is_lost_or_changed()
    {
        var current = SerializedTypes().Where(t => t.GetCustomAttribute<AliasAttribute>() is not null)
            .ToDictionary(t => t.GetCustomAttribute<AliasAttribute>()!.Alias, Members);
        var shipped = File.ReadAllLines(Snapshot).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(Parse).ToList();
        var problems = new List<string>();
        foreach (var (alias, members) in shipped)
        {
            if (!current.TryGetValue(alias, out var now))
            {
                problems.Add($"{alias}: no type carries this alias any more (a renamed or moved type must keep it)");
                continue;
            }

            foreach (var (id, type) in members)
            {
                if (!now.TryGetValue(id, out var nowType))
                {
                    problems.Add($"{alias}: member Id({id}) of type {type} was removed; stored records still hold it");
                }
                else if (nowType != type)
                {
                    problems.Add($"{alias}: member Id({id}) changed type from {type} to {nowType}; give the new member a new id");
                }
            }
        }

        var unrecorded = current.Keys.Except(shipped.Select(s => s.Alias)).Order(StringComparer.Ordinal)
            .Select(a => Line(a, current[a])).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(unrecorded.Count == 0, "serialized types not yet in Fixtures/serialized-types.txt; add these lines:\n" + string.Join("\n", unrecorded));
    }

    [Fact]
    public void The_snapshot_records_every_member_of_every_type()
    {
        // Members added since the snapshot was written are allowed, but recorded, so a later removal is caught.
        var current = SerializedTypes().Where(t => t.GetCustomAttribute<AliasAttribute>() is not null)
            .ToDictionary(t => t.GetCustomAttribute<AliasAttribute>()!.Alias, Members);
        var stale = File.ReadAllLines(Snapshot).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(Parse)
            .Where(s => current.TryGetValue(s.Alias, out var now) && now.Count > s.Members.Count)
            .Select(s => Line(s.Alias, current[s.Alias])).ToList();

        Assert.True(stale.Count == 0, "members added since Fixtures/serialized-types.txt was written; replace these lines:\n" + string.Join("\n", stale));
    }

    private static IEnumerable<Type> SerializedTypes() =>
        typeof(NodeRecord).Assembly.GetTypes().Where(t => t.GetCustomAttribute<GenerateSerializerAttribute>() is not null);

    private static Dictionary<uint, string> Members(Type type) =>
        type.GetMembers(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Select(m => (Member: m, Id: m.GetCustomAttribute<IdAttribute>()))
            .Where(m => m.Id is not null)
            .ToDictionary(m => m.Id!.Id, m => TypeName(m.Member is PropertyInfo p ? p.PropertyType : ((FieldInfo)m.Member).FieldType));

    private static string TypeName(Type type) =>
        type.IsGenericType
            ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(",", type.GetGenericArguments().Select(TypeName))}>"
            : type.Name;

    private static string Line(string alias, Dictionary<uint, string> members) =>
        $"{alias}: {string.Join("; ", members.OrderBy(m => m.Key).Select(m => $"{m.Key} {m.Value}"))}";

    private static (string Alias, Dictionary<uint, string> Members) Parse(string line)
    {
        var colon = line.IndexOf(':');
        var members = line[(colon + 1)..].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => m.Split(' ', 2))
            .ToDictionary(m => uint.Parse(m[0], System.Globalization.CultureInfo.InvariantCulture), m => m[1]);
        return (line[..colon], members);
    }
}

using System.Reflection;
using System.Runtime.CompilerServices;
using MessagePack;
using MessagePack.Formatters;

namespace ControlPlane.Grains.Storage;

/// <summary>
/// Writes a type carrying Orleans' <c>[GenerateSerializer]</c> as a MessagePack map from each member's
/// <c>[Id(n)]</c> to its value, so the ids that version the wire format also version what is on disk:
/// a member added later is absent from older records (it keeps its default), a member of a newer version
/// that this one does not know is skipped, and an id is never reused (<c>SerializedTypeAliasTests</c>).
/// </summary>
internal sealed class IdKeyedFormatter<T> : IMessagePackFormatter<T>
{
    private readonly MemberCodec[] _members;
    private readonly Dictionary<uint, MemberCodec> _byId;
    private readonly Func<object> _create;

    public IdKeyedFormatter()
    {
        _members = [.. MemberCodec.Of(typeof(T)).OrderBy(m => m.Id)];
        _byId = _members.ToDictionary(m => m.Id);
        _create = Creator(typeof(T));
    }

    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        object boxed = value;
        writer.WriteMapHeader(_members.Length);
        foreach (var member in _members)
        {
            writer.Write(member.Id);
            member.Write(ref writer, boxed, options);
        }
    }

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return default!;
        }

        options.Security.DepthStep(ref reader);
        var boxed = _create();
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            var id = reader.ReadUInt32();
            if (_byId.TryGetValue(id, out var member))
            {
                member.Read(ref reader, boxed, options);
            }
            else
            {
                reader.Skip(); // written by a newer version: not ours to interpret
            }
        }

        reader.Depth--;
        return (T)boxed;
    }

    // A new instance with every member at its declared default: the parameterless constructor where there is
    // one (property initialisers run), else the primary constructor with its parameters' defaults.
    private static Func<object> Creator(Type type)
    {
        if (type.IsValueType || type.GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes) is not null)
        {
            return () => Activator.CreateInstance(type, nonPublic: true)!;
        }

        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        if (constructor is null)
        {
            return () => RuntimeHelpers.GetUninitializedObject(type);
        }

        var arguments = constructor.GetParameters()
            .Select(p => p.HasDefaultValue ? p.DefaultValue : p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null)
            .ToArray();
        return () => constructor.Invoke(arguments);
    }
}

/// <summary>Reads and writes one <c>[Id(n)]</c> member of a stored type.</summary>
internal abstract class MemberCodec(uint id)
{
    public uint Id { get; } = id;

    public abstract void Write(ref MessagePackWriter writer, object owner, MessagePackSerializerOptions options);

    public abstract void Read(ref MessagePackReader reader, object owner, MessagePackSerializerOptions options);

    public static IEnumerable<MemberCodec> Of(Type type)
    {
        const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        foreach (var property in type.GetProperties(Instance))
        {
            if (property.GetCustomAttribute<IdAttribute>() is { } id)
            {
                Action<object, object?> set = property.SetMethod is not null
                    ? property.SetValue
                    : BackingField(type, property.Name) is { } field ? field.SetValue : throw new InvalidOperationException(
                        $"{type.Name}.{property.Name} has [Id({id.Id})] but can be neither set nor reached through a backing field");
                yield return Create(property.PropertyType, id.Id, property.GetValue, set);
            }
        }

        foreach (var field in type.GetFields(Instance))
        {
            if (field.GetCustomAttribute<IdAttribute>() is { } id)
            {
                yield return Create(field.FieldType, id.Id, field.GetValue, field.SetValue);
            }
        }
    }

    private static FieldInfo? BackingField(Type type, string property) =>
        type.GetField($"<{property}>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic);

    private static MemberCodec Create(Type memberType, uint id, Func<object, object?> get, Action<object, object?> set) =>
        (MemberCodec)Activator.CreateInstance(typeof(MemberCodec<>).MakeGenericType(memberType), id, get, set)!;
}

/// <summary>One member of type <typeparamref name="TMember"/>, through the resolver's formatter for it.</summary>
internal sealed class MemberCodec<TMember>(uint id, Func<object, object?> get, Action<object, object?> set) : MemberCodec(id)
{
    public override void Write(ref MessagePackWriter writer, object owner, MessagePackSerializerOptions options) =>
        options.Resolver.GetFormatterWithVerify<TMember>().Serialize(ref writer, (TMember)get(owner)!, options);

    public override void Read(ref MessagePackReader reader, object owner, MessagePackSerializerOptions options) =>
        set(owner, options.Resolver.GetFormatterWithVerify<TMember>().Deserialize(ref reader, options));
}

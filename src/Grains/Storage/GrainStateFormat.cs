using System.Buffers;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace ControlPlane.Grains.Storage;

/// <summary>
/// The on-disk format of grain state: MessagePack, each <c>[GenerateSerializer]</c> type as a map keyed by
/// its members' <c>[Id(n)]</c> (<see cref="IdKeyedFormatter{T}"/>), everything else by MessagePack's standard
/// resolver. Stored bytes are read as untrusted (bounded depth, collision-resistant hashing): a damaged file
/// must fail with a clear error, never hang or crash the silo.
/// </summary>
public sealed class GrainStateFormat
{
    /// <summary>The first byte of every stored record: the format's version, so a later format can tell old records apart.</summary>
    public const byte Version = 1;

    private readonly MessagePackSerializerOptions _options = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create(IdKeyedResolver.Instance, StandardResolver.Instance))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>The stored form of <paramref name="state"/>.</summary>
    public byte[] Serialize<T>(T state)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.GetSpan(1)[0] = Version;
        buffer.Advance(1);
        MessagePackSerializer.Serialize(buffer, state, _options);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a stored record; <paramref name="where"/> names it in the error when it cannot be read.</summary>
    /// <exception cref="GrainStateFormatException">The record is not one this format wrote, or is damaged.</exception>
    public T Deserialize<T>(ReadOnlyMemory<byte> stored, string where)
    {
        if (stored.Length == 0 || stored.Span[0] != Version)
        {
            throw new GrainStateFormatException(where, stored.Length == 0
                ? "the record is empty"
                : $"the record starts with format version {stored.Span[0]}, and this silo reads version {Version} only");
        }

        try
        {
            return MessagePackSerializer.Deserialize<T>(stored[1..], _options);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new GrainStateFormatException(where, $"the record is damaged or not a {typeof(T).Name} ({ex.InnerException?.Message ?? ex.Message})", ex);
        }
    }

    /// <summary>Formats <c>[GenerateSerializer]</c> types by their member ids.</summary>
    private sealed class IdKeyedResolver : IFormatterResolver
    {
        public static readonly IdKeyedResolver Instance = new();

        public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

        private static class Cache<T>
        {
            public static readonly IMessagePackFormatter<T>? Formatter =
                typeof(T).IsDefined(typeof(GenerateSerializerAttribute), inherit: false) && !typeof(T).IsEnum ? new IdKeyedFormatter<T>() : null;
        }
    }
}

/// <summary>A stored grain state that cannot be read: names the record and what is wrong.</summary>
public sealed class GrainStateFormatException : Exception
{
    /// <summary>Creates the error for the record at <paramref name="where"/>.</summary>
    public GrainStateFormatException(string where, string problem, Exception? inner = null)
        : base($"cannot read stored grain state {where}: {problem}. Restore it from a backup or remove the record (docs/state.md); it was not overwritten", inner)
    {
        Where = where;
    }

    /// <summary>Which record.</summary>
    public string Where { get; }
}

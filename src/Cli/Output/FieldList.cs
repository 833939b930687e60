using ControlPlane.Contracts.Text;

namespace ControlPlane.Cli.Output;

/// <summary>"Label: value" lines whose values line up, for the show commands.</summary>
public sealed class FieldList
{
    private readonly List<(string Label, string Value)> _fields = [];

    /// <summary>Adds a line.</summary>
    public FieldList Add(string label, string value)
    {
        _fields.Add((label, PrintableText.Escape(value))); // one line per field, whatever the server sent
        return this;
    }

    /// <summary>Writes every line, values starting in one column.</summary>
    public void WriteTo(TextWriter output)
    {
        var width = _fields.Max(f => f.Label.Length) + 1;
        foreach (var (label, value) in _fields)
        {
            output.WriteLine($"{(label + ":").PadRight(width)} {value}");
        }
    }
}

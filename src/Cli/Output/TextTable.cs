using ControlPlane.Contracts.Text;

namespace ControlPlane.Cli.Output;

/// <summary>A plain-text table whose columns line up, right-aligning the numeric ones (like kubectl's).</summary>
public sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];
    private readonly HashSet<int> _rightAligned = [];

    /// <summary>Right-aligns the columns at <paramref name="columns"/>.</summary>
    public TextTable AlignRight(params int[] columns)
    {
        _rightAligned.UnionWith(columns);
        return this;
    }

    /// <summary>Adds a row; it must have one cell per header.</summary>
    public void Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}", nameof(cells));
        }

        // A cell is one line whatever the server sent: a row must never pose as several.
        _rows.Add(cells.Select(PrintableText.Escape).ToArray());
    }

    /// <summary>Writes the header and rows, columns separated by three spaces.</summary>
    public void WriteTo(TextWriter output)
    {
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        WriteRow(output, headers, widths);
        foreach (var row in _rows)
        {
            WriteRow(output, row, widths);
        }
    }

    private void WriteRow(TextWriter output, string[] cells, int[] widths)
    {
        var padded = cells.Select((c, i) => i == cells.Length - 1 && !_rightAligned.Contains(i)
            ? c
            : _rightAligned.Contains(i) ? c.PadLeft(widths[i]) : c.PadRight(widths[i]));
        output.WriteLine(string.Join("   ", padded).TrimEnd());
    }
}

namespace ControlPlane.Simulator.Engine;

/// <summary>
/// The 512-token KV blocks a replica still holds, least recently used evicted first. A request whose
/// leading blocks are here skips their prefill: this is what session affinity is worth.
/// </summary>
internal sealed class PrefixCache(int capacityBlocks)
{
    private readonly Dictionary<long, LinkedListNode<long>> _index = [];
    private readonly LinkedList<long> _order = new();

    /// <summary>Blocks held.</summary>
    public int Count => _index.Count;

    /// <summary>How many of <paramref name="blocks"/>, from the first on, are held.</summary>
    public int LeadingHits(long[] blocks)
    {
        var hits = 0;
        while (hits < blocks.Length && _index.ContainsKey(blocks[hits]))
        {
            hits++;
        }

        return hits;
    }

    /// <summary>Holds <paramref name="blocks"/> as the most recently used, evicting the oldest beyond capacity.</summary>
    public void Touch(long[] blocks)
    {
        if (capacityBlocks <= 0)
        {
            return;
        }

        foreach (var block in blocks)
        {
            if (_index.TryGetValue(block, out var node))
            {
                _order.Remove(node);
                _order.AddLast(node);
            }
            else
            {
                _index[block] = _order.AddLast(block);
            }
        }

        while (_index.Count > capacityBlocks && _order.First is { } oldest)
        {
            _order.RemoveFirst();
            _index.Remove(oldest.Value);
        }
    }

    /// <summary>Forgets everything (the replica's memory is gone).</summary>
    public void Clear()
    {
        _index.Clear();
        _order.Clear();
    }
}

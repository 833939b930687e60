namespace ControlPlane.Placement.Queueing;

/// <summary>
/// The queue long-horizon jobs wait in when no replica has room: higher priority first; within a
/// priority, tenants take turns (round robin), so one tenant's burst cannot starve another; within a
/// tenant, first in first out. Not thread-safe.
/// </summary>
public sealed class FairQueue<T>
{
    private readonly SortedDictionary<int, Level> _levels = new(Comparer<int>.Create((a, b) => b.CompareTo(a)));

    /// <summary>Items waiting.</summary>
    public int Count { get; private set; }

    /// <summary>Adds <paramref name="item"/> for <paramref name="tenant"/> at <paramref name="priority"/> (higher goes first).</summary>
    public void Enqueue(string tenant, int priority, T item)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (!_levels.TryGetValue(priority, out var level))
        {
            level = new Level();
            _levels.Add(priority, level);
        }

        if (!level.ByTenant.TryGetValue(tenant, out var items))
        {
            items = new Queue<T>();
            level.ByTenant.Add(tenant, items);
            level.Turns.Enqueue(tenant);
        }

        items.Enqueue(item);
        Count++;
    }

    /// <summary>The item <see cref="TryDequeue"/> would take next, left in place.</summary>
    public bool TryPeek(out T item)
    {
        foreach (var (_, level) in _levels)
        {
            item = level.ByTenant[level.Turns.Peek()].Peek();
            return true;
        }

        item = default!;
        return false;
    }

    /// <summary>Takes the next item: highest priority, the tenant whose turn it is, its oldest item.</summary>
    public bool TryDequeue(out T item)
    {
        foreach (var (priority, level) in _levels)
        {
            var tenant = level.Turns.Dequeue();
            var items = level.ByTenant[tenant];
            item = items.Dequeue();
            if (items.Count > 0)
            {
                level.Turns.Enqueue(tenant);
            }
            else
            {
                level.ByTenant.Remove(tenant);
            }

            if (level.Turns.Count == 0)
            {
                _levels.Remove(priority);
            }

            Count--;
            return true;
        }

        item = default!;
        return false;
    }

    /// <summary>Removes every item matching <paramref name="match"/> (a job that gave up); returns how many.</summary>
    public int RemoveWhere(Func<T, bool> match)
    {
        var removed = 0;
        foreach (var (priority, level) in _levels.ToArray())
        {
            foreach (var tenant in level.ByTenant.Keys.ToArray())
            {
                var items = level.ByTenant[tenant];
                var kept = new Queue<T>(items.Where(i => !match(i)));
                removed += items.Count - kept.Count;
                if (kept.Count == 0)
                {
                    level.ByTenant.Remove(tenant);
                    var turns = level.Turns.Where(t => t != tenant).ToArray();
                    level.Turns.Clear();
                    foreach (var t in turns)
                    {
                        level.Turns.Enqueue(t);
                    }
                }
                else
                {
                    level.ByTenant[tenant] = kept;
                }
            }

            if (level.Turns.Count == 0)
            {
                _levels.Remove(priority);
            }
        }

        Count -= removed;
        return removed;
    }

    private sealed class Level
    {
        public Dictionary<string, Queue<T>> ByTenant { get; } = new(StringComparer.Ordinal);

        public Queue<string> Turns { get; } = new();
    }
}

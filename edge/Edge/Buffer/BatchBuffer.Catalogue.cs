using City.Contract;
using City.Contract.Wire;
using LiteDB;

namespace City.Edge.Buffer;

/// <summary>The point catalogue: an alias per point id, never reused, with its description (for the Birth).</summary>
internal sealed partial class BatchBuffer
{
    /// <summary>
    /// Gives every point an alias (kept if it already has one, never reused) and stores its catalogue entry.
    /// The reserved $edge points are always part of it. Returns point id -> alias.
    /// </summary>
    public IReadOnlyDictionary<string, uint> SyncCatalogue(IEnumerable<PointInfo> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var all = ReservedPoints().Concat(points).ToList();
            var known = new Dictionary<string, uint>(_aliasById, StringComparer.Ordinal);
            var state = _state;
            var seqs = new List<ulong>();
            var written = TryWrite(() => InTransaction(() =>
            {
                // A retry after a recovery starts over from the aliases known before.
                state = AssignAliases(_state, all, known);
                var changed = UpsertCatalogue(all) || state.NextAlias != _state.NextAlias;
                seqs.Clear();
                state = AddPendingEvents(state, _time.GetUtcNow().ToUnixTimeMilliseconds(), seqs, droppedHere: false);
                if (changed || seqs.Count > 0)
                {
                    _meta.Upsert(state.ToDocument());
                }
            }));

            if (!written)
            {
                // A full disk: the aliases are given in memory and written with the first write that succeeds. Nothing is
                // published before that write (the epoch waits for it too), so no alias is seen before it is on disk.
                state = AssignAliases(_state, all, known);
                _unsavedCatalogue = all;
            }

            _state = state;
            foreach (var point in all)
            {
                _catalogue[point.Id] = point.Clone();
            }

            if (written)
            {
                PendingEventsWritten();
            }

            return new Dictionary<string, uint>(_aliasById, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Resets the alias table to <paramref name="known"/> and sets each point's alias: the one it has, or the next free one
    /// (added to the table and counted in the returned state).
    /// </summary>
    private BufferMeta AssignAliases(BufferMeta state, List<PointInfo> points, Dictionary<string, uint> known)
    {
        _aliasById.Clear();
        foreach (var (id, alias) in known)
        {
            _aliasById[id] = alias;
        }

        foreach (var point in points)
        {
            if (!_aliasById.TryGetValue(point.Id, out var alias))
            {
                alias = checked((uint)state.NextAlias);
                _aliasById[point.Id] = alias;
                state = state with { NextAlias = state.NextAlias + 1 };
            }

            point.Alias = alias;
        }

        return state;
    }

    /// <summary>Writes the catalogue entries of <paramref name="points"/> (aliases assigned) that differ from the stored ones.</summary>
    private bool UpsertCatalogue(List<PointInfo> points)
    {
        var changed = false;
        foreach (var point in points)
        {
            var doc = new BsonDocument
            {
                ["_id"] = point.Id,
                ["alias"] = (long)point.Alias,
                ["unit"] = point.Unit,
                ["type"] = (int)point.Type,
                ["device"] = point.Device,
                ["description"] = point.Description,
            };
            var existing = _aliases.FindById(point.Id);
            if (existing is null || existing["alias"] != doc["alias"] || !SameCatalogueEntry(existing, doc))
            {
                _aliases.Upsert(doc);
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>
    /// Every point that ever had an alias, with its last known description (for the Birth). Kept in memory (read at open,
    /// updated by <see cref="SyncCatalogue"/>): a Birth sent while the store is closed (a full disk) must still name every
    /// alias its batches carry, or central cannot tell which point a reading belongs to.
    /// </summary>
    public IReadOnlyList<PointInfo> Catalogue()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _catalogue.Values.Select(p => p.Clone()).OrderBy(p => p.Alias).ToList();
        }
    }

    /// <summary>The catalogue entry stored in <paramref name="doc"/> (the aliases collection).</summary>
    private static PointInfo CatalogueEntry(BsonDocument doc) => new()
    {
        Id = doc["_id"].AsString,
        Alias = (uint)doc["alias"].AsInt64,
        Unit = doc["unit"].AsString ?? string.Empty,
        Type = (PointType)doc["type"].AsInt32,
        Device = doc["device"].AsString ?? string.Empty,
        Description = doc["description"].AsString ?? string.Empty,
    };

    /// <summary>
    /// Declares the points whose readings are device events (a lamp failed, an alarm trap): from now on
    /// <see cref="Append"/> puts their readings in EVENTS batches, which are sent before any telemetry and never evicted
    /// by the size cap. Not persisted: the daemon declares them at every start, after <see cref="SyncCatalogue"/>.
    /// </summary>
    public void DeclareEventPoints(IEnumerable<string> pointIds)
    {
        ArgumentNullException.ThrowIfNull(pointIds);
        lock (_gate)
        {
            foreach (var id in pointIds)
            {
                _eventAliases.Add(_aliasById.TryGetValue(id, out var alias)
                    ? alias
                    : throw new KeyNotFoundException($"Event point '{id}' has no alias; call SyncCatalogue first."));
            }
        }
    }

    public uint AliasOf(string pointId)
    {
        lock (_gate)
        {
            return _aliasById.TryGetValue(pointId, out var alias)
                ? alias
                : throw new KeyNotFoundException($"Point '{pointId}' has no alias; call SyncCatalogue first.");
        }
    }

    private static IEnumerable<PointInfo> ReservedPoints() =>
    [
        new PointInfo { Id = DroppedReadingsPointId, Unit = "readings", Type = PointType.Number, Device = "$edge", Description = "Readings dropped by the buffer size cap (running total)" },
        new PointInfo { Id = RejectedBatchesPointId, Unit = "batches", Type = PointType.Number, Device = "$edge", Description = "Batches central rejected (running total)" },
        new PointInfo { Id = DiskFullPointId, Unit = "", Type = PointType.Text, Device = "$edge", Description = "The disk under the buffer was full (readings dropped), or has space again" },
        new PointInfo { Id = RecoveredPointId, Unit = "", Type = PointType.Text, Device = "$edge", Description = "A damaged buffer file was moved aside and salvaged" },
    ];

    private static bool SameCatalogueEntry(BsonDocument a, BsonDocument b) =>
        a["unit"] == b["unit"] && a["type"] == b["type"] && a["device"] == b["device"] && a["description"] == b["description"];
}

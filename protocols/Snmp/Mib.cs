namespace City.Protocols.Snmp;

/// <summary>
/// A registered part of an agent's MIB: everything under <see cref="Root"/>. Implement it for values computed on demand;
/// <see cref="MibScalar"/> and <see cref="MibTable"/> cover the usual cases.
/// </summary>
public abstract class MibNode
{
    protected MibNode(Oid root) => Root = root ?? throw new ArgumentNullException(nameof(root));

    public Oid Root { get; }

    /// <summary>The value of one instance, or null when no such instance exists.</summary>
    public abstract SnmpValue? Get(Oid oid);

    /// <summary>The first instance in this subtree whose OID is strictly greater than <paramref name="oid"/> (which may lie before the subtree).</summary>
    public abstract VarBind? GetNext(Oid oid);

    /// <summary>First phase of a SET: may this value be written? NoError or the v2 error-status that refuses it.</summary>
    public virtual SnmpErrorStatus TestSet(Oid oid, SnmpValue value) => SnmpErrorStatus.NotWritable;

    /// <summary>Second phase of a SET, after every varbind of the request passed <see cref="TestSet"/>.</summary>
    public virtual SnmpErrorStatus CommitSet(Oid oid, SnmpValue value) => SnmpErrorStatus.CommitFailed;
}

/// <summary>How a writable scalar or column is written: its type, an optional check (wrongValue, wrongLength, ...) and the write itself.</summary>
public sealed record MibWrite(SnmpValueType Type, Action<SnmpValue> Commit, Func<SnmpValue, SnmpErrorStatus>? Validate = null);

/// <summary>A scalar object: one instance, OID.0.</summary>
public sealed class MibScalar : MibNode
{
    private readonly Func<SnmpValue> _read;
    private readonly MibWrite? _write;
    private readonly Oid _instance;

    public MibScalar(Oid objectOid, Func<SnmpValue> read, MibWrite? write = null)
        : base(objectOid)
    {
        _read = read ?? throw new ArgumentNullException(nameof(read));
        _write = write;
        _instance = objectOid.Append(0);
    }

    public Oid Instance => _instance;

    public override SnmpValue? Get(Oid oid) => oid == _instance ? _read() : null;

    public override VarBind? GetNext(Oid oid) => oid < _instance ? new VarBind(_instance, _read()) : null;

    public override SnmpErrorStatus TestSet(Oid oid, SnmpValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (_write is null)
        {
            return SnmpErrorStatus.NotWritable;
        }

        if (oid != _instance)
        {
            return SnmpErrorStatus.NoCreation;
        }

        if (value.Type != _write.Type)
        {
            return SnmpErrorStatus.WrongType;
        }

        return _write.Validate?.Invoke(value) ?? SnmpErrorStatus.NoError;
    }

    public override SnmpErrorStatus CommitSet(Oid oid, SnmpValue value)
    {
        if (_write is null)
        {
            return SnmpErrorStatus.CommitFailed;
        }

        _write.Commit(value);
        return SnmpErrorStatus.NoError;
    }
}

/// <summary>A column of a <see cref="MibTable"/>: its number under the entry OID, its type, and whether SET may change it.</summary>
public sealed record MibColumn(uint Id, SnmpValueType Type, bool Writable = false);

/// <summary>
/// A conceptual table held in memory: rows keyed by their index OID (e.g. ifIndex 3 is "3"), walked column by column
/// as SNMP orders it (entry.column.index). Rows are created and removed by the owner; SET changes existing cells only.
/// </summary>
public sealed class MibTable : MibNode
{
    private readonly MibColumn[] _columns;
    private readonly SortedList<Oid, SnmpValue?[]> _rows = new();
    private readonly Lock _lock = new();

    /// <param name="entryOid">The entry OID (xxxTable.1), under which columns are numbered.</param>
    public MibTable(Oid entryOid, IEnumerable<MibColumn> columns)
        : base(entryOid)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns.OrderBy(column => column.Id).ToArray();
        if (_columns.Select(column => column.Id).Distinct().Count() != _columns.Length)
        {
            throw new ArgumentException("Column numbers must be unique.", nameof(columns));
        }
    }

    /// <summary>Optional check on a SET of one cell (column, row index, value): NoError or the error-status to answer.</summary>
    public Func<uint, Oid, SnmpValue, SnmpErrorStatus>? ValidateWrite { get; init; }

    /// <summary>Raised after a SET changed a cell (column, row index, new value).</summary>
    public event Action<uint, Oid, SnmpValue>? CellWritten;

    public int RowCount
    {
        get
        {
            lock (_lock)
            {
                return _rows.Count;
            }
        }
    }

    /// <summary>Adds or replaces a row; cells of columns not given are absent (skipped by walks, noSuchInstance to GET).</summary>
    public void SetRow(Oid index, IReadOnlyDictionary<uint, SnmpValue> cells)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(cells);
        var row = new SnmpValue?[_columns.Length];
        foreach ((uint column, SnmpValue value) in cells)
        {
            int position = ColumnPosition(column);
            if (position < 0)
            {
                throw new ArgumentException($"Column {column} is not in the table.", nameof(cells));
            }

            row[position] = value;
        }

        lock (_lock)
        {
            _rows[index] = row;
        }
    }

    public void SetRow(uint index, IReadOnlyDictionary<uint, SnmpValue> cells) => SetRow(new Oid(index), cells);

    public void SetCell(Oid index, uint column, SnmpValue value)
    {
        int position = ColumnPosition(column);
        if (position < 0)
        {
            throw new ArgumentException($"Column {column} is not in the table.", nameof(column));
        }

        lock (_lock)
        {
            if (!_rows.TryGetValue(index, out SnmpValue?[]? row))
            {
                row = new SnmpValue?[_columns.Length];
                _rows[index] = row;
            }

            row[position] = value;
        }
    }

    public bool RemoveRow(Oid index)
    {
        lock (_lock)
        {
            return _rows.Remove(index);
        }
    }

    public SnmpValue? GetCell(Oid index, uint column)
    {
        int position = ColumnPosition(column);
        lock (_lock)
        {
            return position >= 0 && _rows.TryGetValue(index, out SnmpValue?[]? row) ? row[position] : null;
        }
    }

    private int ColumnPosition(uint column)
    {
        for (int i = 0; i < _columns.Length; i++)
        {
            if (_columns[i].Id == column)
            {
                return i;
            }
        }

        return -1;
    }

    private bool TrySplit(Oid oid, out int position, out Oid index)
    {
        position = -1;
        index = Oid.Null;
        if (oid.Length < Root.Length + 2 || !oid.StartsWith(Root))
        {
            return false;
        }

        position = ColumnPosition(oid[Root.Length]);
        index = oid.Slice(Root.Length + 1);
        return position >= 0;
    }

    public override SnmpValue? Get(Oid oid)
    {
        if (!TrySplit(oid, out int position, out Oid index))
        {
            return null;
        }

        lock (_lock)
        {
            return _rows.TryGetValue(index, out SnmpValue?[]? row) ? row[position] : null;
        }
    }

    public override VarBind? GetNext(Oid oid)
    {
        lock (_lock)
        {
            int firstColumn;
            Oid? after = null; // rows strictly after this index in firstColumn; null = from the first row
            if (oid.CompareTo(Root) <= 0 || !oid.StartsWith(Root))
            {
                if (oid > Root && !oid.StartsWith(Root))
                {
                    return null; // past the subtree
                }

                firstColumn = 0;
            }
            else
            {
                // oid lies inside the subtree: entry.column[.index]
                uint column = oid[Root.Length];
                firstColumn = Array.FindIndex(_columns, c => c.Id >= column);
                if (firstColumn < 0)
                {
                    return null;
                }

                if (_columns[firstColumn].Id == column && oid.Length > Root.Length + 1)
                {
                    after = oid.Slice(Root.Length + 1);
                }
            }

            for (int position = firstColumn; position < _columns.Length; position++)
            {
                int start = after is null ? 0 : FirstRowAfter(after);
                after = null;
                IList<Oid> keys = _rows.Keys;
                IList<SnmpValue?[]> values = _rows.Values;
                for (int r = start; r < keys.Count; r++)
                {
                    SnmpValue? cell = values[r][position];
                    if (cell is not null)
                    {
                        return new VarBind(Root.Append(_columns[position].Id).Append(keys[r].Components), cell);
                    }
                }
            }

            return null;
        }
    }

    /// <summary>Position of the first row whose index is strictly greater than <paramref name="index"/>.</summary>
    private int FirstRowAfter(Oid index)
    {
        IList<Oid> keys = _rows.Keys;
        int low = 0;
        int high = keys.Count;
        while (low < high)
        {
            int middle = (low + high) / 2;
            if (keys[middle] <= index)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    public override SnmpErrorStatus TestSet(Oid oid, SnmpValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!TrySplit(oid, out int position, out Oid index))
        {
            return SnmpErrorStatus.NotWritable;
        }

        MibColumn column = _columns[position];
        if (!column.Writable)
        {
            return SnmpErrorStatus.NotWritable;
        }

        if (value.Type != column.Type)
        {
            return SnmpErrorStatus.WrongType;
        }

        lock (_lock)
        {
            if (!_rows.ContainsKey(index))
            {
                return SnmpErrorStatus.NoCreation;
            }
        }

        return ValidateWrite?.Invoke(column.Id, index, value) ?? SnmpErrorStatus.NoError;
    }

    public override SnmpErrorStatus CommitSet(Oid oid, SnmpValue value)
    {
        if (!TrySplit(oid, out int position, out Oid index))
        {
            return SnmpErrorStatus.CommitFailed;
        }

        lock (_lock)
        {
            if (!_rows.TryGetValue(index, out SnmpValue?[]? row))
            {
                return SnmpErrorStatus.CommitFailed;
            }

            row[position] = value;
        }

        CellWritten?.Invoke(_columns[position].Id, index, value);
        return SnmpErrorStatus.NoError;
    }
}

/// <summary>An agent's MIB: non-overlapping <see cref="MibNode"/>s in OID order.</summary>
public sealed class MibTree
{
    private MibNode[] _nodes = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<MibNode> Nodes => Volatile.Read(ref _nodes);

    public T Add<T>(T node)
        where T : MibNode
    {
        ArgumentNullException.ThrowIfNull(node);
        lock (_lock)
        {
            foreach (MibNode existing in _nodes)
            {
                if (existing.Root.StartsWith(node.Root) || node.Root.StartsWith(existing.Root))
                {
                    throw new ArgumentException($"{node.Root} overlaps {existing.Root}, which is already registered.", nameof(node));
                }
            }

            MibNode[] nodes = [.. _nodes, node];
            Array.Sort(nodes, (a, b) => a.Root.CompareTo(b.Root));
            Volatile.Write(ref _nodes, nodes);
        }

        return node;
    }

    /// <summary>A read-only scalar with a fixed value.</summary>
    public MibScalar AddScalar(Oid objectOid, SnmpValue value) => Add(new MibScalar(objectOid, () => value));

    public MibScalar AddScalar(Oid objectOid, Func<SnmpValue> read, MibWrite? write = null) => Add(new MibScalar(objectOid, read, write));

    public MibTable AddTable(Oid entryOid, params MibColumn[] columns) => Add(new MibTable(entryOid, columns));

    /// <summary>The node whose subtree holds <paramref name="oid"/>, if any.</summary>
    public MibNode? Find(Oid oid)
    {
        ArgumentNullException.ThrowIfNull(oid);
        MibNode[] nodes = Volatile.Read(ref _nodes);
        int index = LastAtOrBefore(nodes, oid);
        return index >= 0 && oid.StartsWith(nodes[index].Root) ? nodes[index] : null;
    }

    /// <summary>The value for a GET: the instance's value, noSuchInstance, or noSuchObject.</summary>
    public SnmpValue Get(Oid oid)
    {
        MibNode? node = Find(oid);
        if (node is null)
        {
            return SnmpValue.NoSuchObject;
        }

        return node.Get(oid) ?? SnmpValue.NoSuchInstance;
    }

    /// <summary>The first instance after <paramref name="oid"/> in the whole tree, or null at the end of the MIB view.</summary>
    public VarBind? GetNext(Oid oid)
    {
        ArgumentNullException.ThrowIfNull(oid);
        MibNode[] nodes = Volatile.Read(ref _nodes);
        int start = LastAtOrBefore(nodes, oid);
        if (start < 0 || !oid.StartsWith(nodes[start].Root))
        {
            start++;
        }

        for (int i = start; i < nodes.Length; i++)
        {
            VarBind? next = nodes[i].GetNext(oid);
            if (next is not null)
            {
                return next;
            }
        }

        return null;
    }

    private static int LastAtOrBefore(MibNode[] nodes, Oid oid)
    {
        int low = 0;
        int high = nodes.Length;
        while (low < high)
        {
            int middle = (low + high) / 2;
            if (nodes[middle].Root <= oid)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low - 1;
    }
}

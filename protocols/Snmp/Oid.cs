using System.Globalization;
using System.Text;

namespace City.Protocols.Snmp;

/// <summary>An OBJECT IDENTIFIER: an immutable list of sub-identifiers, ordered lexicographically as SNMP walks them.</summary>
public sealed class Oid : IEquatable<Oid>, IComparable<Oid>
{
    /// <summary>RFC 2578: an OID has at most 128 sub-identifiers.</summary>
    public const int MaxLength = 128;

    private readonly uint[] _components;

    public Oid(params uint[] components)
        : this(components, copy: true)
    {
    }

    private Oid(uint[] components, bool copy)
    {
        if (components.Length > MaxLength)
        {
            throw new ArgumentException($"An OID has at most {MaxLength} sub-identifiers.", nameof(components));
        }

        _components = copy ? (uint[])components.Clone() : components;
    }

    /// <summary>0.0, the OID SNMP uses for "none".</summary>
    public static Oid Null { get; } = new([0, 0], copy: false);

    public ReadOnlySpan<uint> Components => _components;

    public int Length => _components.Length;

    public uint this[int index] => _components[index];

    public static Oid Parse(string text)
    {
        if (!TryParse(text, out Oid? oid))
        {
            throw new FormatException($"'{text}' is not a dotted OID.");
        }

        return oid;
    }

    /// <summary>Parses "1.3.6.1.2.1.1.1.0" (a leading dot is accepted, as net-snmp prints numeric OIDs).</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Oid? oid)
    {
        oid = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string trimmed = text.Trim();
        if (trimmed.StartsWith('.'))
        {
            trimmed = trimmed[1..];
        }

        string[] parts = trimmed.Split('.');
        if (parts.Length > MaxLength)
        {
            return false;
        }

        var components = new uint[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length == 0 || !uint.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out components[i]))
            {
                return false;
            }
        }

        oid = new Oid(components, copy: false);
        return true;
    }

    public Oid Append(params uint[] more)
    {
        var components = new uint[_components.Length + more.Length];
        _components.CopyTo(components, 0);
        more.CopyTo(components, _components.Length);
        return new Oid(components, copy: false);
    }

    public Oid Append(ReadOnlySpan<uint> more)
    {
        var components = new uint[_components.Length + more.Length];
        _components.CopyTo(components, 0);
        more.CopyTo(components.AsSpan(_components.Length));
        return new Oid(components, copy: false);
    }

    /// <summary>True when this OID is <paramref name="prefix"/> or lies under it.</summary>
    public bool StartsWith(Oid prefix) => _components.AsSpan().StartsWith(prefix._components);

    /// <summary>True when this OID lies strictly under <paramref name="prefix"/>.</summary>
    public bool IsUnder(Oid prefix) => _components.Length > prefix._components.Length && StartsWith(prefix);

    public Oid Slice(int start) => new(_components[start..], copy: false);

    public Oid Prefix(int length) => new(_components[..length], copy: false);

    public int CompareTo(Oid? other)
    {
        if (other is null)
        {
            return 1;
        }

        return _components.AsSpan().SequenceCompareTo(other._components);
    }

    public bool Equals(Oid? other) => other is not null && _components.AsSpan().SequenceEqual(other._components);

    public override bool Equals(object? obj) => obj is Oid other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (uint component in _components)
        {
            hash.Add(component);
        }

        return hash.ToHashCode();
    }

    public override string ToString()
    {
        var builder = new StringBuilder(_components.Length * 3);
        for (int i = 0; i < _components.Length; i++)
        {
            if (i > 0)
            {
                builder.Append('.');
            }

            builder.Append(_components[i].ToString(CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    public static bool operator ==(Oid? left, Oid? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Oid? left, Oid? right) => !(left == right);

    public static bool operator <(Oid left, Oid right) => left.CompareTo(right) < 0;

    public static bool operator >(Oid left, Oid right) => left.CompareTo(right) > 0;

    public static bool operator <=(Oid left, Oid right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Oid left, Oid right) => left.CompareTo(right) >= 0;

    /// <summary>BER contents of this OID (without tag and length). The first two arcs share one sub-identifier (X*40+Y).</summary>
    internal int EncodeContents(Span<byte> destination)
    {
        int written = 0;
        if (_components.Length == 0)
        {
            return 0;
        }

        ulong first = _components.Length == 1 ? _components[0] * 40UL : (_components[0] * 40UL) + _components[1];
        written += WriteBase128(first, destination);
        for (int i = 2; i < _components.Length; i++)
        {
            written += WriteBase128(_components[i], destination[written..]);
        }

        return written;
    }

    /// <summary>Upper bound of the contents length: 5 bytes per 32-bit sub-identifier, 10 for the merged first pair.</summary>
    internal int MaxContentsLength => (_components.Length * 5) + 5;

    private static int WriteBase128(ulong value, Span<byte> destination)
    {
        int count = 1;
        for (ulong rest = value >> 7; rest != 0; rest >>= 7)
        {
            count++;
        }

        for (int i = count - 1; i >= 0; i--)
        {
            byte b = (byte)((value >> (7 * i)) & 0x7F);
            destination[count - 1 - i] = i == 0 ? b : (byte)(b | 0x80);
        }

        return count;
    }

    /// <summary>Decodes BER contents; false when they are not a valid SNMP OID.</summary>
    internal static bool TryDecodeContents(ReadOnlySpan<byte> contents, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Oid? oid)
    {
        oid = null;
        if (contents.IsEmpty)
        {
            return false;
        }

        Span<uint> buffer = stackalloc uint[MaxLength];
        int count = 0;
        int position = 0;
        bool first = true;
        while (position < contents.Length)
        {
            if (contents[position] == 0x80)
            {
                return false; // non-minimal: a leading 0x80 byte adds nothing
            }

            ulong value = 0;
            while (true)
            {
                if (position >= contents.Length)
                {
                    return false; // the last byte still had its continuation bit
                }

                byte b = contents[position++];
                value = (value << 7) | (uint)(b & 0x7F);
                if (value > (first ? uint.MaxValue + 80UL : uint.MaxValue))
                {
                    return false;
                }

                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            if (first)
            {
                first = false;
                uint arc1 = value < 40 ? 0u : value < 80 ? 1u : 2u;
                buffer[count++] = arc1;
                buffer[count++] = (uint)(value - (arc1 * 40));
            }
            else
            {
                if (count >= MaxLength)
                {
                    return false;
                }

                buffer[count++] = (uint)value;
            }
        }

        oid = new Oid(buffer[..count].ToArray(), copy: false);
        return true;
    }
}

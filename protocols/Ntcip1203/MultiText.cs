using System.Globalization;
using System.Text;

namespace City.Protocols.Ntcip1203;

/// <summary>What a sign can show: checked against before a MULTI string is sent (NTCIP 1203 vmsCfg / multiCfg objects).</summary>
/// <param name="LinesPerPage">Text lines of one page (a character-matrix or line-matrix sign: its rows of characters).</param>
/// <param name="CharactersPerLine">Characters of one line in the sign's fonts (fixed width).</param>
/// <param name="MaxPages">dmsMaxNumberPages.</param>
/// <param name="Fonts">Font numbers the sign has (fontNumber of its fontTable); [foN] must name one.</param>
public sealed record SignGeometry(int LinesPerPage, int CharactersPerLine, int MaxPages, IReadOnlySet<int> Fonts)
{
    /// <summary>dmsMaxMultiStringLength: the longest MULTI string the sign takes.</summary>
    public int MaxMultiLength { get; init; } = 1024;

    public static SignGeometry Default { get; } = new(3, 18, 6, new HashSet<int> { 1 });

    /// <summary>No sign's limits: only the syntax and the characters are checked (central, which does not know the sign).</summary>
    public static SignGeometry SyntaxOnly { get; } = new(int.MaxValue, int.MaxValue, int.MaxValue, Enumerable.Range(1, 255).ToHashSet());
}

/// <summary>dmsMultiSyntaxError (NTCIP 1203 v03, signControl.18): why a MULTI string was refused.</summary>
public enum MultiSyntaxError
{
    Other = 1,
    None = 2,
    UnsupportedTag = 3,
    UnsupportedTagValue = 4,
    TextTooBig = 5,
    FontNotDefined = 6,
    CharacterNotDefined = 7,
    FieldDeviceNotExist = 8,
    FieldDeviceError = 9,
    FlashRegionError = 10,
    TagConflict = 11,
    TooManyPages = 12,
}

/// <summary>Line justification of [jlN]: other(1), left(2), center(3), right(4), full(5).</summary>
public enum LineJustification
{
    Left = 2,
    Center = 3,
    Right = 4,
}

/// <summary>Page justification of [jpN]: other(1), top(2), middle(3), bottom(4).</summary>
public enum PageJustification
{
    Top = 2,
    Middle = 3,
    Bottom = 4,
}

/// <summary>One refusal: the error code the sign itself would answer, and the offset of the offending character (0 = first).</summary>
public sealed record MultiProblem(MultiSyntaxError Error, int Position, string Message)
{
    public override string ToString() => $"{Message} (at offset {Position.ToString(CultureInfo.InvariantCulture)})";
}

/// <summary>One line of a page: its text and how it is laid out.</summary>
public sealed record MultiLine(string Text, LineJustification Justification, int Font);

/// <summary>One page: its lines, its vertical justification and its page times in tenths of a second (null: the sign's default).</summary>
public sealed record MultiPage(IReadOnlyList<MultiLine> Lines, PageJustification Justification, int? OnTimeTenths, int? OffTimeTenths);

/// <summary>A parsed MULTI message.</summary>
public sealed record MultiMessage(string Multi, IReadOnlyList<MultiPage> Pages)
{
    /// <summary>The text as a person reads it: lines joined by " / ", pages by " || " (empty for a blank message).</summary>
    public string PlainText => string.Join(" || ", Pages.Select(p => string.Join(" / ", p.Lines.Select(l => l.Text))));
}

/// <summary>
/// MULTI (MarkUp Language for Transportation Information, NTCIP 1203 section 6) for a text sign: the tags [nl] / [nlN]
/// (new line), [np] (new page), [jlN] (line justification 2-4), [jpN] (page justification 2-4), [foN] / [foN,XXXX]
/// (font), [ptNoF] / [ptN] / [pt] (page on / off time, tenths of a second 0-255), and [[ / ]] for literal brackets.
/// Graphics, colours, fields and flashing are not supported on the signs we drive (<see cref="MultiSyntaxError.UnsupportedTag"/>).
/// Pure: no I/O; every problem names its offset.
/// </summary>
public static class MultiParser
{
    /// <summary>Parses and checks <paramref name="multi"/> against the sign; the message, or the first problem found.</summary>
    public static bool TryParse(string multi, SignGeometry sign, out MultiMessage message, out MultiProblem? problem)
    {
        ArgumentNullException.ThrowIfNull(multi);
        ArgumentNullException.ThrowIfNull(sign);
        message = new MultiMessage(multi, []);
        var state = new State(sign);
        problem = multi.Length > sign.MaxMultiLength
            ? new MultiProblem(MultiSyntaxError.TextTooBig, sign.MaxMultiLength, $"the MULTI string is {multi.Length} characters, the sign takes at most {sign.MaxMultiLength}")
            : Walk(multi, state);
        if (problem is not null)
        {
            return false;
        }

        state.EndPage();
        message = new MultiMessage(multi, state.Pages.All(p => p.Lines.All(l => l.Text.Length == 0)) ? [] : state.Pages);
        return true;
    }

    /// <summary>The problem with <paramref name="multi"/> on this sign, or null when it can be sent.</summary>
    public static MultiProblem? Validate(string multi, SignGeometry sign) => TryParse(multi, sign, out _, out var problem) ? null : problem;

    private static MultiProblem? Walk(string multi, State state)
    {
        int i = 0;
        while (i < multi.Length)
        {
            char c = multi[i];
            if (c == '[' && i + 1 < multi.Length && multi[i + 1] == '[')
            {
                if (state.AddCharacter('[', i) is { } p)
                {
                    return p;
                }

                i += 2;
                continue;
            }

            if (c == ']')
            {
                if (i + 1 < multi.Length && multi[i + 1] == ']')
                {
                    if (state.AddCharacter(']', i) is { } p)
                    {
                        return p;
                    }

                    i += 2;
                    continue;
                }

                return new MultiProblem(MultiSyntaxError.Other, i, "']' without its tag (write ']]' for the character)");
            }

            if (c == '[')
            {
                int end = multi.IndexOf(']', i + 1);
                if (end < 0)
                {
                    return new MultiProblem(MultiSyntaxError.Other, i, "'[' opens a tag that is never closed (write '[[' for the character)");
                }

                if (Tag(multi.AsSpan(i + 1, end - i - 1), i, state) is { } p)
                {
                    return p;
                }

                i = end + 1;
                continue;
            }

            if (state.AddCharacter(c, i) is { } problem)
            {
                return problem;
            }

            i++;
        }

        return null;
    }

    private static MultiProblem? Tag(ReadOnlySpan<char> tag, int position, State state)
    {
        string lower = tag.ToString().ToLowerInvariant();
        if (lower.StartsWith("nl", StringComparison.Ordinal))
        {
            return lower.Length == 2 || IsNumber(lower.AsSpan(2), 0, 99) ? state.NewLine(position) : BadValue(tag, position);
        }

        if (lower == "np")
        {
            return state.NewPage(position);
        }

        if (lower.StartsWith("jl", StringComparison.Ordinal))
        {
            if (!TryNumber(lower.AsSpan(2), out int value) || value is < 1 or > 5)
            {
                return BadValue(tag, position);
            }

            return value is < 2 or > 4
                ? new MultiProblem(MultiSyntaxError.UnsupportedTagValue, position, $"[{tag}]: this sign justifies lines left (2), center (3) or right (4) only")
                : state.SetLineJustification((LineJustification)value, position);
        }

        if (lower.StartsWith("jp", StringComparison.Ordinal))
        {
            if (!TryNumber(lower.AsSpan(2), out int value) || value is < 1 or > 4)
            {
                return BadValue(tag, position);
            }

            return value < 2
                ? new MultiProblem(MultiSyntaxError.UnsupportedTagValue, position, $"[{tag}]: this sign justifies pages top (2), middle (3) or bottom (4) only")
                : state.SetPageJustification((PageJustification)value, position);
        }

        if (lower.StartsWith("fo", StringComparison.Ordinal))
        {
            var spec = lower.AsSpan(2);
            int comma = spec.IndexOf(',');
            var number = comma < 0 ? spec : spec[..comma];
            if (comma >= 0 && (spec.Length - comma - 1 != 4 || !int.TryParse(spec[(comma + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _)))
            {
                return BadValue(tag, position);
            }

            if (number.Length == 0)
            {
                state.Font = 1;
                return null;
            }

            if (!TryNumber(number, out int font) || font is < 1 or > 255)
            {
                return BadValue(tag, position);
            }

            if (!state.Sign.Fonts.Contains(font))
            {
                return new MultiProblem(MultiSyntaxError.FontNotDefined, position, $"[{tag}]: the sign has no font {font}");
            }

            state.Font = font;
            return null;
        }

        if (lower.StartsWith("pt", StringComparison.Ordinal))
        {
            var spec = lower.AsSpan(2);
            int o = spec.IndexOf('o');
            var on = o < 0 ? spec : spec[..o];
            var off = o < 0 ? [] : spec[(o + 1)..];
            int? onTime = null, offTime = null;
            if (on.Length > 0)
            {
                if (!TryNumber(on, out int v) || v > 255)
                {
                    return BadValue(tag, position);
                }

                onTime = v;
            }

            if (off.Length > 0)
            {
                if (!TryNumber(off, out int v) || v > 255)
                {
                    return BadValue(tag, position);
                }

                offTime = v;
            }

            state.OnTime = onTime;
            state.OffTime = offTime;
            return null;
        }

        return new MultiProblem(MultiSyntaxError.UnsupportedTag, position, $"[{tag}] is not a tag this sign supports (nl, np, jl, jp, fo, pt)");
    }

    private static MultiProblem BadValue(ReadOnlySpan<char> tag, int position) =>
        new(MultiSyntaxError.UnsupportedTagValue, position, $"[{tag}]: its value is malformed or out of range");

    private static bool IsNumber(ReadOnlySpan<char> text, int min, int max) => TryNumber(text, out int v) && v >= min && v <= max;

    private static bool TryNumber(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 5)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private sealed class State(SignGeometry sign)
    {
        private readonly List<MultiLine> _lines = [];
        private readonly StringBuilder _text = new();
        private LineJustification _lineJustification = LineJustification.Center;
        private PageJustification _pageJustification = PageJustification.Top;
        private bool _pageHasText;

        public SignGeometry Sign { get; } = sign;

        public List<MultiPage> Pages { get; } = [];

        public int Font { get; set; } = 1;

        public int? OnTime { get; set; }

        public int? OffTime { get; set; }

        public MultiProblem? AddCharacter(char c, int position)
        {
            if (c is < ' ' or > '~')
            {
                return new MultiProblem(MultiSyntaxError.CharacterNotDefined, position,
                    $"character U+{(int)c:X4} is not in the sign's font (printable ASCII only)");
            }

            if (_text.Length >= Sign.CharactersPerLine)
            {
                return new MultiProblem(MultiSyntaxError.TextTooBig, position,
                    $"line {_lines.Count + 1} of page {Pages.Count + 1} is longer than the sign's {Sign.CharactersPerLine} characters");
            }

            _text.Append(c);
            _pageHasText = true;
            return null;
        }

        public MultiProblem? NewLine(int position)
        {
            if (_lines.Count + 1 >= Sign.LinesPerPage)
            {
                return new MultiProblem(MultiSyntaxError.TextTooBig, position,
                    $"page {Pages.Count + 1} gets a line {_lines.Count + 2}: the sign shows {Sign.LinesPerPage} lines per page");
            }

            EndLine();
            return null;
        }

        public MultiProblem? NewPage(int position)
        {
            if (Pages.Count + 1 >= Sign.MaxPages)
            {
                return new MultiProblem(MultiSyntaxError.TooManyPages, position, $"a page {Pages.Count + 2}: the sign shows at most {Sign.MaxPages} pages");
            }

            EndPage();
            return null;
        }

        public MultiProblem? SetLineJustification(LineJustification justification, int position)
        {
            if (_text.Length > 0)
            {
                return new MultiProblem(MultiSyntaxError.TagConflict, position, "[jl] in the middle of a line: this sign justifies whole lines");
            }

            _lineJustification = justification;
            return null;
        }

        public MultiProblem? SetPageJustification(PageJustification justification, int position)
        {
            if (_pageHasText)
            {
                return new MultiProblem(MultiSyntaxError.TagConflict, position, "[jp] after text on the same page: page justification goes before the page's text");
            }

            _pageJustification = justification;
            return null;
        }

        public void EndPage()
        {
            EndLine();
            Pages.Add(new MultiPage(_lines.ToList(), _pageJustification, OnTime, OffTime));
            _lines.Clear();
            _pageHasText = false;
        }

        private void EndLine()
        {
            _lines.Add(new MultiLine(_text.ToString(), _lineJustification, Font));
            _text.Clear();
        }
    }
}

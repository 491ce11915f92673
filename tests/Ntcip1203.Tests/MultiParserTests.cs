using City.Protocols.Ntcip1203;

namespace City.Protocols.Ntcip1203.Tests;

/// <summary>MULTI strings (NTCIP 1203 section 6 tag syntax) against a 3-line, 18-character, 6-page sign with font 1.</summary>
public class MultiParserTests
{
    private static readonly SignGeometry Sign = new(3, 18, 6, new HashSet<int> { 1, 2 });

    [Fact]
    public void Lines_AndPages_AreSplitByTheirTags()
    {
        Assert.True(MultiParser.TryParse("[jp3][jl3]ROAD WORK[nl]AHEAD[np][pt25o5]SLOW DOWN", Sign, out var message, out var problem), problem?.ToString());
        Assert.Equal(2, message.Pages.Count);
        Assert.Equal(["ROAD WORK", "AHEAD"], message.Pages[0].Lines.Select(l => l.Text));
        Assert.Equal(PageJustification.Middle, message.Pages[0].Justification);
        Assert.Equal(LineJustification.Center, message.Pages[0].Lines[0].Justification);
        Assert.Equal(25, message.Pages[1].OnTimeTenths);
        Assert.Equal(5, message.Pages[1].OffTimeTenths);
        Assert.Equal("ROAD WORK / AHEAD || SLOW DOWN", message.PlainText);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[jl2]")]
    [InlineData("[nl][np]")]
    public void TagsWithoutText_AreTheBlankMessage(string multi)
    {
        Assert.True(MultiParser.TryParse(multi, Sign, out var message, out _));
        Assert.Empty(message.Pages);
        Assert.Equal("", message.PlainText);
    }

    [Fact]
    public void DoubledBrackets_AreCharacters_AndCountOnce()
    {
        Assert.True(MultiParser.TryParse("[[A12]] EXIT 123456", Sign, out var message, out var problem), problem?.ToString());
        Assert.Equal("[A12] EXIT 123456", message.Pages[0].Lines[0].Text);
    }

    [Theory]
    // A line of 19 characters: the 19th (offset 18) is refused.
    [InlineData("ABCDEFGHIJKLMNOPQRS", MultiSyntaxError.TextTooBig, 18)]
    // A fourth line: the third [nl] (offset 11) is refused.
    [InlineData("A[nl]B[nl]C[nl]D", MultiSyntaxError.TextTooBig, 11)]
    // A seventh page: the sixth [np].
    [InlineData("1[np]2[np]3[np]4[np]5[np]6[np]7", MultiSyntaxError.TooManyPages, 26)]
    [InlineData("OK[fo3]X", MultiSyntaxError.FontNotDefined, 2)]
    [InlineData("[g1]", MultiSyntaxError.UnsupportedTag, 0)]
    [InlineData("AB[cf255,0,0]", MultiSyntaxError.UnsupportedTag, 2)]
    [InlineData("[jl5]FULL", MultiSyntaxError.UnsupportedTagValue, 0)]
    [InlineData("[jl9]", MultiSyntaxError.UnsupportedTagValue, 0)]
    [InlineData("[pt256o0]", MultiSyntaxError.UnsupportedTagValue, 0)]
    [InlineData("[fo1,12G4]", MultiSyntaxError.UnsupportedTagValue, 0)]
    [InlineData("X[jp2]", MultiSyntaxError.TagConflict, 1)]
    [InlineData("AB[jl4]C", MultiSyntaxError.TagConflict, 2)]
    [InlineData("CAFÉ", MultiSyntaxError.CharacterNotDefined, 3)]
    [InlineData("TAB\tX", MultiSyntaxError.CharacterNotDefined, 3)]
    [InlineData("OPEN [nl", MultiSyntaxError.Other, 5)]
    [InlineData("A]B", MultiSyntaxError.Other, 1)]
    public void Problems_NameTheirErrorAndOffset(string multi, MultiSyntaxError error, int position)
    {
        Assert.False(MultiParser.TryParse(multi, Sign, out _, out var problem));
        Assert.NotNull(problem);
        Assert.Equal(error, problem.Error);
        Assert.Equal(position, problem.Position);
        Assert.Contains($"at offset {position}", problem.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("A[nl]B[nl]C")]
    [InlineData("[fo2]ABCDEFGHIJKLMNOPQR")]
    [InlineData("1[np]2[np]3[np]4[np]5[np]6")]
    [InlineData("[fo1,1A2B][pt][pt30][nl5]X")]
    [InlineData("[JL4][NP]upper case tags")]
    public void WithinTheSignsLimits_IsValid(string multi) => Assert.Null(MultiParser.Validate(multi, Sign));

    [Fact]
    public void TooLongAMultiString_IsRefusedBeforeParsing()
    {
        var small = Sign with { MaxMultiLength = 10 };
        var problem = MultiParser.Validate("[jl3]ABCDEFG", small);
        Assert.Equal(MultiSyntaxError.TextTooBig, problem?.Error);
    }

    [Fact]
    public void RandomAndMutatedStrings_NeverThrow()
    {
        var random = new Random(1203);
        string[] seeds = ["[jp3][jl3]ROAD WORK[nl]AHEAD[np][pt25o5]SLOW", "[[x]]", "[fo1,1A2B]X", "[nl5][np]"];
        const string alphabet = "[]nlpjofta0123456789,o ABZ[[]]\t";
        for (int i = 0; i < 5000; i++)
        {
            var chars = seeds[i % seeds.Length].ToCharArray();
            int edits = random.Next(1, 4);
            for (int e = 0; e < edits && chars.Length > 0; e++)
            {
                chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars);
            bool ok = MultiParser.TryParse(text, Sign, out var message, out var problem);
            Assert.True(ok ? problem is null && message.Pages.Count <= Sign.MaxPages : problem is not null && problem.Position >= 0 && problem.Position <= text.Length);
        }
    }
}

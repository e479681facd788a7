"""LaTeX commands whose first letter is also a JSON escape letter (b, f, n, r, t, u).

In a model's JSON answer, "\\tanh" may be a tab and "anh" or the command \\tanh; this is the list
that decides (every such command KaTeX 0.16.47 knows, read from its source; `python -m
tests.make_latex_names` regenerates it). A name not listed is read as a JSON escape, and a control
character left in a field is refused by the validator, so a missing name costs a re-ask, never a
corrupted digest.
"""

AMBIGUOUS_COMMANDS = frozenset("""
    backepsilon backprime backsim backsimeq backslash bar barwedge bcancel because begin begingroup beta beth
    between bf bgroup big bigcap bigcirc bigcup bigg biggl biggm biggr bigl bigm bigodot bigoplus bigotimes bigr
    bigsqcup bigstar bigtriangledown bigtriangleup biguplus bigvee bigwedge binom blacklozenge blacksquare
    blacktriangle blacktriangledown blacktriangleleft blacktriangleright blue blueA blueB blueC blueD blueE bm
    bmod bold boldsymbol bot bowtie boxdot boxed boxminus boxplus boxtimes bra brace brack braket breve bull
    bullet bumpeq fallingdotseq fbox fcolorbox flat footnotesize forall frac frak frown futurelet nLeftarrow
    nLeftrightarrow nRightarrow nVDash nVdash nabla natnums natural ncong ne nearrow neg negmedspace
    negthickspace negthinspace neq newcommand newline nexists ngeq ngeqq ngeqslant ngtr ni nleftarrow
    nleftrightarrow nleq nleqq nleqslant nless nmid nobreak nobreakspace noexpand nolimits nonumber normalsize
    not notag notin notni nparallel nprec npreceq nrightarrow nshortmid nshortparallel nsim nsubseteq nsubseteqq
    nsucc nsucceq nsupseteq nsupseteqq ntriangleleft ntrianglelefteq ntriangleright ntrianglerighteq nu nvDash
    nvdash nwarrow rArr rBrace rVert raisebox rang rangle rarr ratio rbrace rbrack rceil real reals red redA
    redB redC redD redE relax renewcommand restriction rfloor rgroup rhd rho right rightarrow rightarrowtail
    rightharpoondown rightharpoonup rightleftarrows rightleftharpoons rightrightarrows rightsquigarrow
    rightthreetimes risingdotseq rlap rm rmoustache rparen rq rrbracket rtimes rule rvert tag tan tanh tau
    tbinom tealA tealB tealC tealD tealE text textasciicircum textasciitilde textbackslash textbar textbardbl
    textbf textbraceleft textbraceright textcircled textcolor textcopyright textdagger textdaggerdbl textdegree
    textdollar textellipsis textemdash textendash textgreater textit textless textmd textnormal textquotedblleft
    textquotedblright textquoteleft textquoteright textregistered textrm textsf textsterling textstyle texttt
    textunderscore textup tfrac tg th therefore theta thetasym thickapprox thicksim thickspace thinspace tilde
    times tiny tmspace to top triangle triangledown triangleleft trianglelefteq triangleq triangleright
    trianglerighteq tt twoheadleftarrow twoheadrightarrow uArr uarr ulcorner underbar underbrace underbracket
    undergroup underleftarrow underleftrightarrow underline underlinesegment underrightarrow underset unlhd
    unrhd uparrow updownarrow upharpoonleft upharpoonright uplus upsilon upuparrows urcorner url utilde
""".split())

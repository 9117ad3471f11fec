"""The corpora hansenti ships, registered through the ``hansenti_corpora`` entry-point
group exactly as a third party's would be: NSMC, IMDB and the raw Naver crawl."""
